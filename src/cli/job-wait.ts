import { AbortedError } from '../errors.ts'
import type { ApiClient, JobDetail } from '../api/index.ts'

/** How long to wait, after a job completes, for a pinner to announce its provenance record. */
const PROVENANCE_WAIT_MS = 10_000
/** Events can be missed (a slow reader, a reconnect): the job is also re-read this often. */
const POLL_MS = 2000

export interface WaitOptions {
  signal: AbortSignal
  onUpdate?: (job: JobDetail) => void
}

/**
 * Follows a job until it ends: re-reads it on every event about it (and every
 * couple of seconds in any case), calling `onUpdate` with each new state.
 * A completed job is returned once its provenance is known, or after a short wait.
 */
export async function waitForJob (client: ApiClient, jobId: string, options: WaitOptions): Promise<JobDetail> {
  const controller = new AbortController()
  const signal = AbortSignal.any([options.signal, controller.signal])
  let wake: (() => void) | undefined
  const nudge = (): void => {
    wake?.()
    wake = undefined
  }
  const events = await client.events({ job: jobId, signal })
  const reading = (async () => {
    try {
      for await (const _event of events) nudge()
    } catch {
      // The stream ends when we abort it or the daemon stops; polling carries on either way.
    }
  })()
  try {
    let completedAt: number | undefined
    while (true) {
      options.signal.throwIfAborted()
      const job = await client.job(jobId, { signal: options.signal })
      options.onUpdate?.(job)
      if (job.state === 'failed' || job.state === 'cancelled') return job
      if (job.state === 'completed') {
        completedAt ??= Date.now()
        if (job.provenance != null || Date.now() - completedAt > PROVENANCE_WAIT_MS) return job
      }
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, POLL_MS)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
        options.signal.addEventListener('abort', () => {
          clearTimeout(timer)
          resolve()
        }, { once: true })
      })
    }
  } finally {
    controller.abort(new AbortedError('the job ended'))
    await reading
  }
}
