import { writeFileAtomically } from '../api/index.ts'
import type { CommandContext } from './command.ts'
import type { HomeContent } from './home-content.ts'

/**
 * Writes content to `path` (absolute), atomically. The daemon runs on this
 * machine as this user (the socket is 0600), so it writes the file itself: the
 * bytes are copied once, not a second time through the socket and this
 * process. If it may not write there (another user's directory, say), the bytes
 * come through the socket instead, with a progress bar.
 */
export async function saveContent (client: Pick<HomeContent, 'exportFile' | 'cat'>, cid: string, path: string, ctx: CommandContext): Promise<{ size: number }> {
  try {
    return await client.exportFile(cid, path, { signal: ctx.signal })
  } catch (err: unknown) {
    if ((err as { name?: string }).name !== 'ExportPathError') throw err
  }
  const download = await client.cat(cid, { signal: ctx.signal })
  const progress = ctx.progress(`get ${cid.slice(0, 12)}…`, download.size)
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
