import { AbortedError } from '../errors.ts'
import type { ApiClient, ApiEvent, JobDetail } from '../api/index.ts'
import { FollowInterruptedError, FollowLostError } from './errors.ts'
import { shortId } from './ids.ts'
import { fromApiEvent, fromJobDetail } from './live-sources.ts'
import type { LiveView } from './live-view.ts'

/** How long to wait, after a job completes, for a pinner to announce its provenance record. */
const PROVENANCE_WAIT_MS = 10_000
/** Events can be missed (a slow reader, a reconnect): the job is also re-read this often. */
const POLL_MS = 2000
/** A cancel sent after Ctrl-C gets this long. */
const CANCEL_TIMEOUT_MS = 10_000

export interface FollowOptions {
  signal: AbortSignal
  view: LiveView
  /** Ctrl-C cancels the job (`--cancel-on-interrupt`) instead of only stopping to follow it. */
  cancelOnInterrupt?: boolean | undefined
}

/**
 * Follows a daemon's job until it ends, feeding the live view from the job
 * (re-read on each event about it, and every few seconds) and from the event
 * stream (step changes, progress here and, through heartbeats, elsewhere).
 * A completed job is returned once its provenance is known, or after a short
 * wait. Ctrl-C (the signal) stops following and says that the job goes on and
 * how to cancel it; with `cancelOnInterrupt` it cancels the job first.
 */
export async function followJob (client: ApiClient, jobId: string, options: FollowOptions): Promise<JobDetail> {
  const { view, signal } = options
  const controller = new AbortController()
  const streamSignal = AbortSignal.any([signal, controller.signal])
  let wake: (() => void) | undefined
  // Set by an event that came while the job was being read: the next wait is skipped, so that event is not lost.
  let nudged = false
  const nudge = (): void => {
    nudged = true
    wake?.()
    wake = undefined
  }
  const steps = new Map<string, string[]>()
  const learn = (job: JobDetail): void => {
    steps.clear()
    for (const s of job.steps) steps.set(s.cacheId, [...(steps.get(s.cacheId) ?? []), s.step])
  }
  const onEvent = (event: ApiEvent): void => {
    for (const update of fromApiEvent(event, jobId, steps, Date.now())) view.update(update)
    // result.ready brings a completed job's provenance record, which the job is then re-read for.
    if ((event.type.startsWith('job.') || event.type.startsWith('step.') || event.type === 'result.ready') && event.type !== 'step.progress' && event.type !== 'job.progress' && concerns(event, jobId)) nudge()
  }

  try {
    const events = await client.events({ types: ['job', 'step', 'heartbeat', 'result'], signal: streamSignal })
    const reading = (async () => {
      try {
        for await (const event of events) onEvent(event)
      } catch {
        // The stream ends when we stop or the daemon does; re-reading the job carries on either way.
      }
    })()
    try {
      let completedAt: number | undefined
      while (true) {
        signal.throwIfAborted()
        nudged = false
        const job = await client.job(jobId, { signal })
        learn(job)
        for (const update of fromJobDetail(job, Date.now())) view.update(update)
        if (job.state === 'failed' || job.state === 'cancelled') return job
        if (job.state === 'completed') {
          completedAt ??= Date.now()
          if (job.provenance != null || Date.now() - completedAt > PROVENANCE_WAIT_MS) return job
        }
        if (nudged) continue
        await new Promise<void>(resolve => {
          const timer = setTimeout(resolve, POLL_MS)
          const done = (): void => {
            clearTimeout(timer)
            signal.removeEventListener('abort', done)
            resolve()
          }
          wake = done
          signal.addEventListener('abort', done, { once: true })
        })
      }
    } finally {
      controller.abort(new AbortedError('the job ended'))
      await reading
    }
  } catch (err: unknown) {
    if (!signal.aborted) throw lost(err, jobId)
    throw await interrupted(client, jobId, options)
  }
}

/** The daemon went away while followed: not "no daemon is running", which reads as if it never had. */
function lost (err: unknown, jobId: string): unknown {
  const name = (err as { name?: unknown }).name
  if (name !== 'DaemonNotRunningError' && name !== 'DaemonConnectionLostError' && name !== 'ServerStoppingError') return err
  const short = shortId(jobId)
  return new FollowLostError(
    `the daemon stopped while following job ${short}; the job goes on on the other nodes of the cluster: start the daemon again and artdag watch ${short} follows it (or artdag job ${short} on another node)`,
    { job: jobId },
    { cause: err }
  )
}

function concerns (event: ApiEvent, jobId: string): boolean {
  const e = event as { job?: string, jobs?: string[] }
  return e.job === jobId || e.jobs?.includes(jobId) === true
}

/** Ctrl-C while following: the job goes on (say how to stop it), or is cancelled when asked. */
async function interrupted (client: ApiClient, jobId: string, options: FollowOptions): Promise<FollowInterruptedError> {
  const short = shortId(jobId)
  if (options.cancelOnInterrupt !== true) {
    return new FollowInterruptedError(`stopped following job ${short}; it goes on running (artdag watch ${short} follows it again, artdag cancel ${short} stops it)`, { job: jobId, cancelled: false })
  }
  try {
    await client.cancelJob(jobId, { signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) })
  } catch (err: unknown) {
    return new FollowInterruptedError(`interrupted, but job ${short} could not be cancelled (${err instanceof Error ? err.message : String(err)}); run artdag cancel ${short}`, { job: jobId, cancelled: false })
  }
  return new FollowInterruptedError(`cancelled job ${short} (interrupted with --cancel-on-interrupt)`, { job: jobId, cancelled: true })
}
