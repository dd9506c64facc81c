import { writeFileAtomically } from '../api/index.ts'
import type { CommandContext } from './command.ts'
import type { HomeContent } from './home-content.ts'

/**
 * Writes content to `path` (absolute), atomically. The daemon runs on this
 * machine as this user (the socket is 0600), so it writes the file itself: the
 * bytes are copied once, not a second time through the socket and this
 * process. If it may not write there (another user's directory, say), the bytes
 * come through the socket instead. A progress bar either way.
 */
export async function saveContent (client: Pick<HomeContent, 'exportFile' | 'cat'>, cid: string, path: string, ctx: CommandContext): Promise<{ size: number }> {
  const label = `get ${cid.slice(0, 12)}…`
  let exporting: ReturnType<CommandContext['progress']> | undefined
  try {
    return await client.exportFile(cid, path, {
      signal: ctx.signal,
      onProgress: ({ done, total }) => {
        exporting ??= ctx.progress(label, total)
        exporting.update(done)
      }
    })
  } catch (err: unknown) {
    if ((err as { name?: string }).name !== 'ExportPathError') throw err
  } finally {
    exporting?.stop()
  }
  const download = await client.cat(cid, { signal: ctx.signal })
  const progress = ctx.progress(label, download.size)
  try {
    let done = 0
    const body = (async function* () {
      for await (const chunk of download.body) {
        yield chunk
        done += chunk.byteLength
        progress.update(done)
      }
    })()
    return await writeFileAtomically(path, body, { signal: ctx.signal })
  } finally {
    progress.stop()
  }
}
