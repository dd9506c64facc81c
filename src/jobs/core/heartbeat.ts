import type { Core } from './state.ts'
import type { Outbox } from './effects.ts'
import { sighting } from './inbound.ts'
import type { JobRecord } from './job-book.ts'
import { cancelFrom } from './lifecycle.ts'
import { publishCancelled, publishCompleted, publishFailed } from './outbound.ts'
import type { HeartbeatSummary, PeerId } from './types.ts'

/**
 * The lease and job part of a peer's heartbeat: its leases count as renewals;
 * its jobs repair what messages lost — a cancel, a job this node never got,
 * a job that ended here but not there (and the other way round).
 */
export function handleHeartbeat (core: Core, out: Outbox, from: PeerId, summary: HeartbeatSummary, now: number): void {
  if (from === core.o.self) return
  for (const lease of summary.leases) sighting(core, out, lease.cacheId, from, lease.epoch, now)
  for (const job of summary.jobs) {
    if (job.state === 'cancelled') {
      cancelFrom(core, out, job.jobId, from, 'cancelled (learned from a heartbeat)', now)
    } else if (job.state === 'completed') {
      // The peer has the output; this node saw the job fail or missed its end: look the output up
      // (and the peer, seeing this node's heartbeat list the job as failed or running, re-sends it).
      const known = core.book.jobs.get(job.jobId)
      // Both completed, with different outputs: executors disagree. Each side re-sends its result, so
      // both see both and keep the same one (lifecycle.ts, preferred()).
      if (known?.state === 'completed' && job.output !== undefined && known.outputCid !== job.output && firstTelling(core, job.jobId, from, now)) tellHowItEnded(core, out, known, now)
      if (known === undefined || known.state === 'completed' || known.state === 'cancelled') continue
      if (core.book.isComplete(known.output.cacheId)) continue
      const key = `lookup|${job.jobId}`
      const askedAt = core.jobFetches.get(key)
      if (askedAt !== undefined && now - askedAt < core.o.jobFetchRetryMs) continue
      core.jobFetches.set(key, now)
      out.push({ type: 'lookupCache', cacheIds: [known.output.cacheId], deadline: now + core.o.cacheLookupTimeoutMs, scope: 'network' })
    } else if (job.state === 'failed') {
      // The peer gave up on a job this node completed: it missed the output's result.
      const known = core.book.jobs.get(job.jobId)
      if (known?.state === 'completed' && firstTelling(core, job.jobId, from, now)) tellHowItEnded(core, out, known, now)
    } else if (job.state === 'running') {
      const known = core.book.jobs.get(job.jobId)
      if (known === undefined && !core.book.cancelled.has(job.jobId)) {
        const askedAt = core.jobFetches.get(job.jobId)
        if (askedAt !== undefined && now - askedAt < core.o.jobFetchRetryMs) continue
        core.jobFetches.set(job.jobId, now)
        out.push({ type: 'fetchJob', jobId: job.jobId, from })
      } else if (known !== undefined && known.state !== 'running' && firstTelling(core, job.jobId, from, now)) {
        tellHowItEnded(core, out, known, now)
      }
    }
  }
}

/**
 * One telling per job and peer per jobFetchRetryMs: views that disagree for a
 * while (a failure one node counts and another does not yet) cost a message now
 * and then, not one per heartbeat.
 */
function firstTelling (core: Core, jobId: string, peer: PeerId, now: number): boolean {
  const key = `tell|${jobId}|${peer}`
  const at = core.jobFetches.get(key)
  if (at !== undefined && now - at < core.o.jobFetchRetryMs) return false
  core.jobFetches.set(key, now)
  return true
}

/**
 * A peer still runs a job that ended here: it missed the message that decided
 * it (the output's result, the last failure, the cancel). Send it again.
 */
function tellHowItEnded (core: Core, out: Outbox, job: JobRecord, now: number): void {
  if (job.state === 'cancelled') {
    publishCancelled(core, out, job.jobId, job.cancelReason, now)
  } else if (job.state === 'completed') {
    const completion = core.book.completions.get(job.output.cacheId)
    if (completion === undefined) return
    publishCompleted(core, out, job.output.cacheId, completion, completion.ref, now)
  } else if (job.failure !== undefined && core.book.failuresOf(job.failure.cacheId).length > 0) {
    publishFailed(core, out, job.failure.cacheId, { jobId: job.jobId, stepId: job.failure.stepId }, now)
  } else {
    return
  }
  core.metrics.antiEntropyAnswers += 1
}
