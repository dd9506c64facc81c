import type { CommandContext } from './command.ts'
import type { ApiClient } from '../api/index.ts'

/** The daemon's client when one answers on the home's socket; undefined when none runs. */
export async function daemonIfRunning (ctx: CommandContext): Promise<ApiClient | undefined> {
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
