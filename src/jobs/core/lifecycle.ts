import { failedForGood } from './attempts.ts'
import { resultsDisagree, settleVotes } from './results.ts'
import { selectPinners } from './pinning.ts'
import { countDuplicate, stepEvent } from './state.ts'
import type { Core } from './state.ts'
import type { AbortReason, JobResult, Outbox } from './effects.ts'
import type { Completion, JobRecord, WorkItem } from './job-book.ts'
import { publishRelease } from './outbound.ts'
import type { JobFailure, LostInput, PeerId } from './types.ts'
import { defined } from '../../defined.ts'

/**
 * How results, failures and cancellations change work and jobs: a result
 * completes every job whose output it is; a step that failed maxAttempts times
 * fails every job that needs it; a job that ends lets go of the work only it needed.
 */

/**
 * Records a result. Executions are meant to be deterministic, but one cache id
 * can come back with different CIDs (another ffmpeg build, a non-deterministic
 * encoder). Then every node keeps the same one by the same rule (preferred(),
 * the order the DHT record selector uses too), counts and reports the
 * disagreement, and jobs whose output it is follow the kept CID. Returns true
 * when the completion became the kept one.
 */
export function recordCompletion (core: Core, out: Outbox, cacheId: string, completion: Completion, now: number): boolean {
  const existing = core.book.completions.get(cacheId)
  if (existing !== undefined) {
    if (existing.cid === completion.cid) return false
    noteConflict(core, out, cacheId, existing, completion, now)
    if (!preferred(core, cacheId, completion, existing)) return false
    core.book.setCompletion(cacheId, completion)
    out.persist = true
    const item = core.book.items.get(cacheId)
    for (const ref of item?.refs ?? []) {
      const job = core.book.jobs.get(ref.jobId)
      if (job !== undefined) settleJob(core, out, job, now)
    }
    return true
  }
  core.book.setCompletion(cacheId, completion)
  out.persist = true
  const item = core.book.items.get(cacheId)
  if (item === undefined) return true
  const mine = item.mine
  if (mine !== undefined && !(completion.byMe && completion.epoch === mine.epoch)) {
    // Another node's result (or a cache hit) arrived while this node claimed or ran the step.
    dropMine(core, out, item, 'completed_elsewhere', now, { release: false, duplicate: !completion.cached })
  }
  const extra = completion.byMe && completion.durationMs !== undefined ? { durationMs: completion.durationMs } : {}
  stepEvent(core, out, item, cacheId, completion.cached ? 'CACHED' : 'COMPLETED', completion.holder, completion.epoch, now, extra)
  for (const ref of item.refs) {
    const job = core.book.jobs.get(ref.jobId)
    if (job === undefined) continue
    settleJob(core, out, job, now)
    // Work upstream of a result that just appeared may no longer be needed.
    if (job.state === 'running') releaseUnwanted(core, out, job, 'not_needed', now)
  }
  return true
}

/**
 * Which of two completions with different CIDs every node keeps: the one from
 * the lowest epoch (the earliest lease that finished; a cache hit, epoch 0,
 * came from a run before any of these), then the producer ranked higher for
 * the cache id, then the lower CID. Any node given the same two picks the same.
 */
export function preferred (core: Core, cacheId: string, a: Completion, b: Completion): boolean {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch
  if (a.holder !== b.holder) {
    const sa = core.scores.score(cacheId, a.holder)
    const sb = core.scores.score(cacheId, b.holder)
    if (sa !== sb) return sa > sb
    return a.holder > b.holder
  }
  return a.cid < b.cid
}

function noteConflict (core: Core, out: Outbox, cacheId: string, existing: Completion, incoming: Completion, now: number): void {
  let cids = core.book.conflicts.get(cacheId)
  if (cids === undefined) {
    cids = new Set([existing.cid])
    core.book.conflicts.set(cacheId, cids)
  }
  if (cids.has(incoming.cid)) return
  cids.add(incoming.cid)
  core.metrics.resultMismatches += 1
  out.persist = true
  out.event({
    kind: 'mismatch',
    at: now,
    cacheId,
    refs: [...(core.book.items.get(cacheId)?.refs ?? [])],
    kept: preferred(core, cacheId, incoming, existing) ? incoming.cid : existing.cid,
    results: [{ cid: existing.cid, holder: existing.holder, epoch: existing.epoch }, { cid: incoming.cid, holder: incoming.holder, epoch: incoming.epoch }]
  })
}

/** Merges failure reports, then re-judges the jobs that need the step. Returns how many reports were new. */
export function recordFailures (
  core: Core,
  out: Outbox,
  cacheId: string,
  failures: ReadonlyArray<{ holder: PeerId, epoch: number, errorTail?: string | undefined, verified?: boolean | undefined, lost?: LostInput[] | undefined, held?: string[] | undefined, moot?: boolean | undefined }>,
  now: number
): number {
  const added = core.book.addFailures(cacheId, failures, now)
  if (added === 0) return 0
  out.persist = true
  // A node the step fails on cannot confirm a result: fewer confirmations may now suffice.
  if (core.book.votes.has(cacheId)) settleVotes(core, out, now)
  const item = core.book.items.get(cacheId)
  if (item === undefined) return added
  const last = core.book.failures.get(cacheId)?.at(-1)
  // A run that could not fetch an input made again (losses.ts) leaves the step waiting for it, not failed.
  if (last?.moot === true) stepEvent(core, out, item, cacheId, 'PENDING', last.holder, last.epoch, now, { reason: 'input_lost', ...defined({ errorTail: last.errorTail }) })
  else if (last !== undefined) stepEvent(core, out, item, cacheId, 'FAILED', last.holder, last.epoch, now, last.errorTail !== undefined ? { errorTail: last.errorTail } : {})
  for (const ref of item.refs) {
    const job = core.book.jobs.get(ref.jobId)
    if (job !== undefined) settleJob(core, out, job, now)
  }
  return added
}

/**
 * Brings a job to the state what this node knows implies, and only forward:
 * - its output is known: completed (final; it follows the kept CID);
 * - else a step it still needs failed for good (attempts.ts), and no cache
 *   lookup for it is outstanding (an answer could make that step unneeded): failed;
 * - a failed job whose failure no longer holds (a result made the step
 *   unneeded, a hidden result turned up, the view shows a capable node that has
 *   not tried it yet) runs again: a result is never refused, and a job whose
 *   output can still be computed does not stay failed.
 * Cancelled is final.
 */
export function settleJob (core: Core, out: Outbox, job: JobRecord, now: number): void {
  if (job.state === 'cancelled') return
  const output = core.book.completions.get(job.output.cacheId)
  if (output !== undefined) {
    if (job.state !== 'completed' || job.outputCid !== output.cid) completeJob(core, out, job, output.cid, now)
    return
  }
  if (job.state === 'completed') return
  // Its submitter completed it on its own cache index's word: the job is done, here too.
  // (Never this node's own word: takeSubmitterWord keeps none of it.)
  const word = core.book.submitterWordFor(job)
  if (word !== undefined) {
    completeJob(core, out, job, word, now)
    return
  }
  const failed = failedNeededStep(core, job)
  if (job.state === 'running') {
    if (failed !== undefined && !lookupsPending(core, job)) finishJob(core, out, job, { jobId: job.jobId, state: 'failed', failure: describeFailure(core, job, failed) }, now)
  } else if (failed === undefined) {
    resumeJob(core, out, job, now)
  } else {
    job.failure = describeFailure(core, job, failed)
  }
}

function completeJob (core: Core, out: Outbox, job: JobRecord, outputCid: string, now: number): void {
  const pinners = pinnersFor(core, outputCid)
  job.failure = undefined
  finishJob(core, out, job, { jobId: job.jobId, state: 'completed', outputCid, pinners, pinOnSelf: pinners.includes(core.o.self) }, now)
}

/** At most this many submitters' words are kept (the oldest go first): a job arrives within moments of its word. */
const MAX_SUBMITTER_WORDS = 256

/**
 * A job's submitter found its output in its own cache index (epoch 0, its own attestation alone):
 * it takes that index at its word for its own jobs, and completes them at once (docs/SECURITY.md).
 * With trust.confirmations above 1 no other node counts that word as the step's result, and
 * without this they would plan the job and run every step of it to confirm an output nobody
 * waits for any more. The job is the submitter's, which may cancel it anyway: its word ends the
 * job it names here too, completed with its CID (pinned by the pinners as any output), and no
 * other: relayed again later, it completes no later job. It is no result of the step: no cache
 * record, and no other job takes it.
 */
export function takeSubmitterWord (core: Core, out: Outbox, submitter: PeerId, jobId: string, cacheId: string, cid: string, now: number): void {
  if (submitter === core.o.self) return
  const key = `${submitter}|${jobId}`
  core.book.submitterWords.delete(key)
  core.book.submitterWords.set(key, { cacheId, cid, at: now })
  for (const old of core.book.submitterWords.keys()) {
    if (core.book.submitterWords.size <= MAX_SUBMITTER_WORDS) break
    core.book.submitterWords.delete(old)
  }
  const job = core.book.jobs.get(jobId)
  if (job !== undefined && job.spec.submitter === submitter && job.output.cacheId === cacheId && (job.state === 'running' || job.state === 'failed')) settleJob(core, out, job, now)
}

/** The first step the job still needs that failed for good, if any. */
function failedNeededStep (core: Core, job: JobRecord): string | undefined {
  const needed = core.book.neededBy(job)
  for (const step of job.steps) {
    if (needed.has(step.cacheId) && failedForGood(core, step.cacheId)) return step.cacheId
  }
  return undefined
}

function lookupsPending (core: Core, job: JobRecord): boolean {
  return job.steps.some(step => core.book.items.get(step.cacheId)?.lookup === 'pending')
}

/** Re-judges every job that has not ended for good (after a view change: attempts depend on it). */
export function settleOpenJobs (core: Core, out: Outbox, now: number): void {
  for (const job of core.book.jobs.values()) if (job.state === 'running' || job.state === 'failed') settleJob(core, out, job, now)
}

/** A failed job's failure no longer holds: it runs on. */
function resumeJob (core: Core, out: Outbox, job: JobRecord, now: number): void {
  job.state = 'running'
  job.failure = undefined
  job.finishedAt = undefined
  core.book.invalidateOrder()
  out.persist = true
  out.event({ kind: 'job', at: now, jobId: job.jobId, state: 'running' })
}

/**
 * A cancel another member sent (or listed in its heartbeat): only a job's
 * submitter and the configured operators may cancel it. A cancel for a job not
 * known yet is kept with its author and judged when the job arrives.
 */
export function cancelFrom (core: Core, out: Outbox, jobId: string, by: PeerId, reason: string | undefined, now: number): void {
  const job = core.book.jobs.get(jobId)
  if (job !== undefined && !mayCancel(core, job, by)) {
    core.metrics.cancelsRefused += 1
    return
  }
  if (!core.book.cancelledBy.has(jobId)) core.book.cancelledBy.set(jobId, by)
  cancelJob(core, out, jobId, reason, now)
}

/** Whether `by` may cancel the job: its submitter, an operator (or anyone, for a job that names no submitter). */
export function mayCancel (core: Core, job: JobRecord, by: PeerId): boolean {
  const submitter = job.spec.submitter
  return submitter === undefined || by === submitter || core.o.operators.has(by)
}

export function cancelJob (core: Core, out: Outbox, jobId: string, reason: string | undefined, now: number): void {
  if (!core.book.cancelled.has(jobId)) {
    core.book.cancelled.set(jobId, now)
    out.persist = true
  }
  const job = core.book.jobs.get(jobId)
  if (job?.state === 'running') finishJob(core, out, job, { jobId, state: 'cancelled', reason }, now)
}

function finishJob (core: Core, out: Outbox, job: JobRecord, result: JobResult, now: number): void {
  const again = job.state === result.state
  job.state = result.state
  job.finishedAt = now
  if (result.state === 'completed') {
    job.outputCid = result.outputCid
    // A completed job whose output moved to the kept CID is reported again, not counted again.
    if (!again) core.metrics.jobsCompleted += 1
  } else if (result.state === 'failed') {
    job.failure = result.failure
    core.metrics.jobsFailed += 1
  } else {
    job.cancelReason = result.reason
    core.metrics.jobsCancelled += 1
  }
  core.book.invalidateOrder()
  out.persist = true
  out.push({ type: 'jobFinished', result })
  out.event({
    kind: 'job',
    at: now,
    jobId: job.jobId,
    state: result.state,
    ...(result.state === 'completed' ? { outputCid: result.outputCid } : {}),
    ...(result.state === 'failed' ? { errorTail: result.failure.errorTail } : {})
  })
  releaseUnwanted(core, out, job, result.state === 'cancelled' ? 'cancelled' : 'not_needed', now)
}

/** Lets go of the claims and executions that only this job needed; shared work keeps going. */
function releaseUnwanted (core: Core, out: Outbox, job: JobRecord, reason: 'cancelled' | 'not_needed', now: number): void {
  for (const step of job.steps) {
    const item = core.book.items.get(step.cacheId)
    if (item?.mine === undefined || core.book.isWanted(item, cacheId => failedForGood(core, cacheId))) continue
    dropMine(core, out, item, reason, now, { release: !core.book.isComplete(item.cacheId), duplicate: false })
  }
}

/** Ends this node's claim or execution of an item: aborts a running execution, optionally announces the release. */
export function dropMine (
  core: Core,
  out: Outbox,
  item: WorkItem,
  reason: AbortReason,
  now: number,
  opts: { release: boolean, duplicate: boolean }
): void {
  const mine = item.mine
  if (mine === undefined) return
  item.mine = undefined
  if (mine.phase === 'running') {
    out.push({ type: 'abortExecution', execution: mine.ref, reason })
    core.metrics.abortedExecutions += 1
    if (opts.duplicate) countDuplicate(core, item.cacheId)
  }
  // Locally the lease ends in every case, so it is neither renewed nor counted against this node's slots.
  core.leases.release(item.cacheId, core.o.self, mine.epoch, now)
  if (opts.release) {
    publishRelease(core, out, item.cacheId, mine.epoch, reason === 'cancelled' ? 'cancelled' : 'not_needed', now)
  }
  stepEvent(core, out, item, item.cacheId, mine.phase === 'running' ? 'ABORTED' : 'LOST', core.o.self, mine.epoch, now, { reason })
}

/** The nodes that pin a job's output: the top replication live nodes ranked for its CID. */
export function pinnersFor (core: Core, cid: string): PeerId[] {
  return selectPinners(cid, { self: core.o.self, members: [...core.members.values()] }, core.o.replication, core.scores, core.o.slots)
}

function describeFailure (core: Core, job: JobRecord, cacheId: string): JobFailure {
  const failures = core.book.failuresOf(cacheId)
  const step = job.steps.find(s => s.cacheId === cacheId)
  if (resultsDisagree(core, cacheId)) {
    const byCid = core.book.votes.get(cacheId) ?? new Map<string, Map<PeerId, unknown>>()
    const voters = [...core.book.votersOf(cacheId)]
    return {
      stepId: step?.stepId ?? '',
      cacheId,
      attempts: voters.length,
      nodes: voters,
      errorTail: `the nodes that ran this step returned different results (${[...byCid.keys()].join(', ')}) and none was confirmed: their ffmpeg builds or thread settings differ (artdag status shows the executor split)`
    }
  }
  return {
    stepId: step?.stepId ?? '',
    cacheId,
    attempts: failures.length,
    nodes: [...new Set(failures.map(f => f.holder))],
    errorTail: lastErrorTail(core, cacheId)
  }
}

function lastErrorTail (core: Core, cacheId: string): string {
  const withTail = core.book.failuresOf(cacheId).filter(f => f.errorTail !== undefined && f.errorTail !== '')
  return withTail.at(-1)?.errorTail ?? ''
}
