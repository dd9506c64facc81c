import { describe, expect, it } from 'vitest'
import { ResponseInvalidError } from '../../../src/api/errors.ts'
import { readNdjson } from '../../../src/api/ndjson.ts'

async function* bytes (...parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : part
}

async function collect (source: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = []
  for await (const item of source) out.push(item)
  return out
}

describe('readNdjson', () => {
  it('splits lines across chunk boundaries and skips blank lines', async () => {
    expect(await collect(readNdjson(bytes('{"a":1}\n{"b"', ':2}\n\n', '{"c":3}')))).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }])
  })

  it('decodes a multi-byte character split between chunks', async () => {
    const line = Buffer.from('{"name":"café"}\n')
    const cut = line.indexOf(0xc3) + 1
    expect(await collect(readNdjson(bytes(line.subarray(0, cut), line.subarray(cut))))).toEqual([{ name: 'café' }])
  })

  it('fails on a line that is not JSON, quoting it', async () => {
    await expect(collect(readNdjson(bytes('{"a":1}\nnot json\n')))).rejects.toThrow(/not JSON: not json/)
  })

  it('fails on a line longer than the limit', async () => {
    await expect(collect(readNdjson(bytes('x'.repeat(100)), 50))).rejects.toBeInstanceOf(ResponseInvalidError)
  })
})
