import { lstat } from 'node:fs/promises'
import { errorCode } from '../errors.ts'
import type { CommandContext } from './command.ts'
import type { ApiClient } from '../api/index.ts'
import { socketPathFor } from './context.ts'

/** The daemon's client when one answers on the home's socket; undefined when none runs. */
export async function daemonIfRunning (ctx: CommandContext): Promise<ApiClient | undefined> {
  // No socket file, no daemon: known without the API's client and schemas, and without a request
  // (together ~35 ms of a render's start). A socket left by a daemon that died is asked, and
  // refuses the connection.
  if (!await exists(await socketPathFor(ctx.home, ctx.io))) return undefined
  const { DaemonNotRunningError } = await import('../api/index.ts')
  try {
    const client = await ctx.client()
    await client.id({ signal: ctx.signal })
    return client
  } catch (err: unknown) {
    if (err instanceof DaemonNotRunningError) return undefined
    throw err
  }
}

/** Whether something is at `path`; a path that cannot be checked (permissions) counts as there: the request says why. */
async function exists (path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch (err: unknown) {
    const code = errorCode(err)
    return code !== 'ENOENT' && code !== 'ENOTDIR'
  }
}
