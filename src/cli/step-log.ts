import type { ApiClient } from '../api/index.ts'
import { NotFoundError } from '../errors.ts'
import { resolveJobId, shortId } from './ids.ts'
import { collect } from './stream-bytes.ts'

/**
 * `artdag logs JOB STEP`: the ffmpeg log of the step's run, kept with its
 * result. The job names it when its producer announced it; else the daemon
 * answers for the runs it did itself.
 */
export async function stepLogText (client: ApiClient, jobText: string, stepName: string, signal: AbortSignal): Promise<{ job: string, step: string, cacheId: string, log: string, ok: boolean | null, text: string }> {
  const jobId = await resolveJobId(client, jobText, signal)
  const job = await client.job(jobId, { signal })
  const step = job.steps.find(s => s.step === stepName)
  if (step === undefined) throw new NotFoundError(`job ${shortId(jobId)} has no step ${stepName} (its steps: ${job.steps.map(s => s.step).join(', ')})`, { job: jobId, step: stepName })
  let log = step.log ?? undefined
  let ok: boolean | null = null
  if (log === undefined) {
    try {
      const entry = await client.stepLog(step.cacheId, { signal })
      log = entry.cid
      ok = entry.ok
    } catch (err: unknown) {
      if ((err as { kind?: unknown }).kind !== 'not_found') throw err
      const why = step.state === 'cached' ? 'it was cached (no run of it for this job)' : step.peer !== null ? `it ran on …${step.peer.slice(-6)}, whose log this daemon does not have` : 'no run of it left a log here'
      throw new NotFoundError(`step ${stepName} of job ${shortId(jobId)} has no log on this node: ${why}`, { job: jobId, step: stepName })
    }
  }
  const download = await client.cat(log, { signal })
  const text = new TextDecoder().decode(await collect(download.body))
  return { job: jobId, step: stepName, cacheId: step.cacheId, log, ok, text }
}
