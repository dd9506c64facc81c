import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/**
 * Writes a stream to `path` so that readers see either the old file or the
 * whole new one: a temporary sibling is written, flushed to disk (fsync before
 * close), then renamed over `path`. On any failure the temporary file goes.
 */
export async function writeFileAtomically (path: string, source: AsyncIterable<Uint8Array>, options: { signal?: AbortSignal | undefined } = {}): Promise<{ size: number }> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`)
  let size = 0
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      size += chunk.byteLength
      yield chunk
    }
  }
  const out = createWriteStream(temp, { flags: 'wx', flush: true })
  // Opened before anything can fail, so the cleanup below never races the file's creation.
  await once(out, 'ready')
  try {
    await pipeline(Readable.from(counted(), { objectMode: false }), out, { signal: options.signal })
    await rename(temp, path)
    return { size }
  } catch (err: unknown) {
    // The temporary file may not exist; the write's own error is what we rethrow.
    await unlink(temp).catch(() => {})
    throw err
  }
}
