import { selectPinners } from './pinning.ts'
import { countDuplicate, stepEvent } from './state.ts'
import type { Core } from './state.ts'
import type { AbortReason, JobResult, Outbox } from './effects.ts'
import type { Completion, JobRecord, WorkItem } from './job-book.ts'
import { publishRelease } from './outbound.ts'
import type { JobFailure, PeerId } from './types.ts'

/**
 * How results, failures and cancellations change work and jobs: a result
 * completes every job whose output it is; a step that failed maxAttempts times
 * fails every job that needs it; a job that ends lets go of the work only it needed.
 */

/** Records a result; returns false when one was already known (the first one seen is kept). */
export function recordCompletion (core: Core, out: Outbox, cacheId: string, completion: Completion, now: number): boolean {
  if (core.book.completions.has(cacheId)) return false
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
    if (job.state === 'failed' && job.failure?.cacheId === cacheId) resumeJob(core, out, job, now)
    settleJob(core, out, job, now)
    // Work upstream of a result that just appeared may no longer be needed.
    if (job.state === 'running') releaseUnwanted(core, out, job, 'not_needed', now)
  }
  return true
}

/** Merges failure reports; when the step has failed maxAttempts times, the jobs that need it fail. */
export function recordFailures (
  core: Core,
  out: Outbox,
  cacheId: string,
  failures: ReadonlyArray<{ holder: PeerId, epoch: number, errorTail?: string | undefined }>,
  now: number
): number {
  const added = core.book.addFailures(cacheId, failures, now)
  if (added === 0) return 0
  out.persist = true
  const item = core.book.items.get(cacheId)
  if (item === undefined) return added
  const last = core.book.failuresOf(cacheId).at(-1)
  if (last !== undefined) stepEvent(core, out, item, cacheId, 'FAILED', last.holder, last.epoch, now, last.errorTail !== undefined ? { errorTail: last.errorTail } : {})
  if (core.book.isPermanentlyFailed(cacheId, core.o.maxAttempts)) {
    for (const ref of item.refs) {
      const job = core.book.jobs.get(ref.jobId)
      if (job !== undefined) settleJob(core, out, job, now)
    }
  }
  return added
}

/**
 * Ends a running job if its output is known (completed) or a step it still
 * needs can no longer succeed (failed). A failed job whose output turns up
 * after all (a result hidden by a partition or a crash) becomes completed:
 * a result is never refused. Completed and cancelled are final.
 */
export function settleJob (core: Core, out: Outbox, job: JobRecord, now: number): void {
  if (job.state === 'completed' || job.state === 'cancelled') return
  const output = core.book.completions.get(job.output.cacheId)
  if (output !== undefined) {
    const pinners = pinnersFor(core, output.cid)
    job.failure = undefined
    finishJob(core, out, job, { jobId: job.jobId, state: 'completed', outputCid: output.cid, pinners, pinOnSelf: pinners.includes(core.o.self) }, now)
    return
  }
  if (job.state !== 'running') return
  const needed = core.book.neededBy(job)
  for (const step of job.steps) {
    if (!needed.has(step.cacheId) || !core.book.isPermanentlyFailed(step.cacheId, core.o.maxAttempts)) continue
    finishJob(core, out, job, { jobId: job.jobId, state: 'failed', failure: describeFailure(core, job, step.cacheId) }, now)
    return
  }
}

/**
 * A job failed here because a step failed maxAttempts times in this node's
 * knowledge, and now a valid result for that step turned up (a crash or a
 * partition hid a successful attempt): the failure is undone, the job runs on.
 */
function resumeJob (core: Core, out: Outbox, job: JobRecord, now: number): void {
  job.state = 'running'
  job.failure = undefined
  job.finishedAt = undefined
  core.book.invalidateOrder()
  out.persist = true
  out.event({ kind: 'job', at: now, jobId: job.jobId, state: 'running' })
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
  job.state = result.state
  job.finishedAt = now
  if (result.state === 'completed') {
    job.outputCid = result.outputCid
    core.metrics.jobsCompleted += 1
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
    if (item?.mine === undefined || core.book.isWanted(item, core.o.maxAttempts)) continue
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

/** The nodes that pin a job's output: the top pinReplicas live nodes ranked for its CID. */
export function pinnersFor (core: Core, cid: string): PeerId[] {
  return selectPinners(cid, { self: core.o.self, members: [...core.members.values()] }, core.o.pinReplicas, core.scores)
}

function describeFailure (core: Core, job: JobRecord, cacheId: string): JobFailure {
  const failures = core.book.failuresOf(cacheId)
  const step = job.steps.find(s => s.cacheId === cacheId)
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
