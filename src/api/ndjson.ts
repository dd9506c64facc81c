import { StringDecoder } from 'node:string_decoder'
import { ResponseInvalidError } from './errors.ts'

/** The longest line `readLines` accepts; a daemon event is a few hundred bytes. */
export const MAX_NDJSON_LINE_BYTES = 1024 ** 2

/**
 * Splits a byte stream into NDJSON values, one per non-empty line, decoding
 * UTF-8 across chunk boundaries. A line that is not JSON or is longer than
 * `maxLineBytes` fails the stream with a ResponseInvalidError.
 */
export async function* readNdjson (source: AsyncIterable<Uint8Array>, maxLineBytes = MAX_NDJSON_LINE_BYTES): AsyncGenerator<unknown> {
  const decoder = new StringDecoder('utf8')
  let pending = ''
  for await (const chunk of source) {
    pending += decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    let newline = pending.indexOf('\n')
    while (newline !== -1) {
      const line = pending.slice(0, newline)
      pending = pending.slice(newline + 1)
      if (line.trim() !== '') yield parseLine(line)
      newline = pending.indexOf('\n')
    }
    if (Buffer.byteLength(pending) > maxLineBytes) {
      throw new ResponseInvalidError(`an NDJSON line is longer than ${maxLineBytes} bytes`)
    }
  }
  pending += decoder.end()
  if (pending.trim() !== '') yield parseLine(pending)
}

function parseLine (line: string): unknown {
  try {
    return JSON.parse(line)
  } catch (err: unknown) {
    throw new ResponseInvalidError(`an NDJSON line is not JSON: ${line.slice(0, 80)}`, undefined, { cause: err })
  }
}
