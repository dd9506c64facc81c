import type { ApiClient, ExportResponse, GcResponse, PinJson, PinKind, PinRequest, RepoStat } from '../api/index.ts'
import type { CommandContext } from './command.ts'
import { daemonIfRunning } from './daemon-client.ts'

/**
 * The home's content for `get`, `cat`, `pin`, `gc` and `repo stat`: through
 * the daemon when one runs (it owns the home's stores), else the home's
 * stores opened in this process (holding the home's lock until the command's
 * output is printed). The answers have the same shapes either way.
 */
export interface HomeContent {
  cat: (cid: string, options: { offset?: number | undefined, length?: number | undefined, signal: AbortSignal }) => Promise<{ size: number, body: AsyncIterable<Uint8Array> }>
  /** Written by the daemon (or this process); `onProgress` hears how far it is. */
  exportFile: (cid: string, path: string, options: { signal: AbortSignal, onProgress?: ((progress: { done: number, total: number }) => void) | undefined }) => Promise<ExportResponse>
  pins: (filter: { kind?: PinKind }, options: { signal: AbortSignal }) => Promise<{ pins: PinJson[] }>
  pin: (cid: string, request: PinRequest, options: { signal: AbortSignal }) => Promise<PinJson>
  unpin: (cid: string, options: { signal: AbortSignal }) => Promise<{ cid: string }>
  gc: (options: { signal: AbortSignal }) => Promise<GcResponse>
  repoStat: (options: { signal: AbortSignal }) => Promise<RepoStat>
  /** With a daemon: its jobs (their outputs are candidates for a short CID). */
  jobs?: ApiClient['jobs']
  /** With a daemon: its client (a download can then go through the socket). */
  client?: ApiClient
}

export async function homeContent (ctx: CommandContext): Promise<HomeContent> {
  const daemon = await daemonIfRunning(ctx)
  if (daemon !== undefined) {
    return {
      cat: async (cid, o) => await daemon.cat(cid, o),
      exportFile: async (cid, path, o) => await daemon.exportFile(cid, path, o),
      pins: async (filter, o) => await daemon.pins(filter, o),
      pin: async (cid, request, o) => await daemon.pin(cid, request, o),
      unpin: async (cid, o) => await daemon.unpin(cid, o),
      gc: async o => await daemon.gc(o),
      repoStat: async o => await daemon.repoStat(o),
      jobs: async (filter, o) => await daemon.jobs(filter, o),
      client: daemon
    }
  }
  const { openLocalHome } = await import('../engine/index.ts')
  const local = await openLocalHome(ctx.home, { signal: ctx.signal })
  ctx.onDone(local.close)
  return local
}
