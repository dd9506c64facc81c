import { recordFailures } from './lifecycle.ts'
import { acceptResult, beyondQuorum } from './results.ts'
import { countDuplicate } from './state.ts'
import type { Core } from './state.ts'
import type { AbortReason, Outbox } from './effects.ts'
import type { HeldOutcome, MyRun, WorkItem } from './job-book.ts'
import { counts, judgeLoss, lostInputs } from './losses.ts'
import { clipTail, publishCompleted, publishFailed, publishLoss } from './outbound.ts'
import type { ExecutionRef } from './types.ts'
import { defined } from '../../defined.ts'

/**
 * How this node's executions end. A plain claim starts its execution at once
 * (scheduler.ts): what the settle window protects is what other nodes see, the
 * result or the failure, not the run. An outcome that comes while the claim
 * still settles is held in the claim, unpublished; when the window ends with
 * the claim standing it is handled here as if it had just come; a claim lost
 * meanwhile takes it along (lifecycle.ts dropMine), and an aborted speculative
 * run's late report is ignored.
 */

/** At most this many aborted speculative runs are remembered (their late reports are ignored). */
const MAX_ABANDONED = 1024

/** A speculative execution: started at its claim, which still settles. */
export function speculative (mine: MyRun): boolean {
  return mine.phase === 'settling' && mine.startedAt !== undefined
}

const keyOf = (ref: ExecutionRef): string => `${ref.cacheId}@${ref.epoch}`

/** A speculative run whose claim was lost: its report, should one still come (a queued input), is ignored. */
export function abandon (core: Core, ref: ExecutionRef, now: number): void {
  core.abandoned.set(keyOf(ref), now)
  for (const key of core.abandoned.keys()) {
    if (core.abandoned.size <= MAX_ABANDONED) break
    core.abandoned.delete(key)
  }
}

/**
 * A speculative run whose claim was lost while settling: killed if it still runs (its late
 * report ignored), its held outcome dropped unpublished. Counted as waste, never as a duplicate:
 * nobody saw it.
 */
export function abortSpeculative (core: Core, out: Outbox, mine: MyRun, reason: AbortReason, now: number): void {
  core.metrics.speculativeAborts += 1
  if (mine.held !== undefined) {
    mine.held = undefined
    return
  }
  out.push({ type: 'abortExecution', execution: mine.ref, reason })
  core.metrics.abortedExecutions += 1
  abandon(core, mine.ref, now)
}

/** Keeps the outcome of a speculative run in its claim; true when it was one (nothing else is done). */
function held (core: Core, execution: ExecutionRef, outcome: HeldOutcome): boolean {
  if (core.abandoned.delete(keyOf(execution))) return true
  const mine = core.book.items.get(execution.cacheId)?.mine
  if (mine === undefined || !speculative(mine) || mine.ref.epoch !== execution.epoch) return false
  mine.held ??= outcome
  return true
}

/** The claim's window ended and it stands: its speculative run's outcome, if any, is handled now. */
export function releaseHeld (core: Core, out: Outbox, mine: MyRun, now: number): void {
  const outcome = mine.held
  if (outcome === undefined) return
  mine.held = undefined
  if (outcome.kind === 'finished') finishExecution(core, out, mine.ref, outcome.cid, now, outcome.durationMs)
  else failExecution(core, out, mine.ref, outcome.errorTail, now, outcome.lost)
}

/** An execution this node started produced `cid`. */
export function finishExecution (core: Core, out: Outbox, execution: ExecutionRef, cid: string, now: number, durationMs: number | undefined): void {
  if (held(core, execution, { kind: 'finished', cid, durationMs })) return
  const self = core.o.self
  const item = core.book.items.get(execution.cacheId)
  // The lease may have moved to a higher epoch while it ran (see reclaim in inbound.ts).
  const mine = item?.mine?.ref.epoch === execution.epoch ? item.mine : undefined
  if (item !== undefined && mine !== undefined) item.mine = undefined
  const epoch = mine?.epoch ?? execution.epoch
  core.leases.release(execution.cacheId, self, epoch, now)
  const existing = core.book.completions.get(execution.cacheId)
  // Someone else's result came first (this execution was aborted too late): wasted. Published
  // all the same: if its CID differs, every node must see the disagreement and keep the same one.
  if (existing !== undefined && !existing.cached && existing.holder !== self && beyondQuorum(core, existing.attestations, [{ peer: self, epoch }])) {
    countDuplicate(core, execution.cacheId)
  }
  const ref = { jobId: execution.jobId, stepId: execution.stepId }
  const attestation = { peer: self, epoch }
  core.metrics.stepsCompleted += 1
  const before = core.book.completions.get(execution.cacheId)
  const outcome = acceptResult(core, out, execution.cacheId, cid, [attestation], { cached: false, byMe: true, durationMs, ref }, now)
  const kept = core.book.completions.get(execution.cacheId)
  // Published with every attestation it has now: when this run confirmed the result, the others
  // learn the quorum from this one message; otherwise it is this node's vote.
  const vote = { cid, holder: self, epoch, cached: false, at: now, byMe: true, ...defined({ durationMs }), ref, attestations: [attestation] }
  publishCompleted(core, out, execution.cacheId, kept?.cid === cid ? kept : vote, ref, now)
  if (outcome === 'confirmed' && kept?.cid === cid && before?.cid !== cid) out.push({ type: 'putCacheRecord', cacheId: execution.cacheId, cid, stepType: item?.type ?? '', attestations: kept.attestations })
}

/** An execution this node started failed (see StepCoordinator.onExecutionFailed). */
export function failExecution (core: Core, out: Outbox, execution: ExecutionRef, errorTail: string, now: number, lost: readonly string[]): void {
  if (held(core, execution, { kind: 'failed', errorTail, lost })) return
  const item: WorkItem | undefined = core.book.items.get(execution.cacheId)
  const mine = item?.mine
  // An aborted execution's failure says nothing about the step.
  if (item === undefined || mine?.phase !== 'running' || mine.ref.epoch !== execution.epoch) return
  item.mine = undefined
  core.leases.release(execution.cacheId, core.o.self, mine.epoch, now)
  if (core.book.isComplete(execution.cacheId)) return
  core.metrics.stepsFailed += 1
  const failure = { holder: core.o.self, epoch: mine.epoch, errorTail: clipTail(errorTail) }
  const inputs = lostInputs(core, item, lost)
  if (inputs.length === 0) {
    recordFailures(core, out, execution.cacheId, [failure], now)
    publishFailed(core, out, execution.cacheId, mine.ref, now)
    return
  }
  // Kept with the inputs it names, so that it is judged again when the view changes.
  const judged = judgeLoss(core, out, execution.cacheId, { ...failure, lost: inputs }, now, mine.startedAt)
  const moot = !counts(judged)
  recordFailures(core, out, execution.cacheId, [{ ...failure, lost: inputs, held: judged.held, moot }], now)
  const recorded = core.book.failures.get(execution.cacheId)?.find(f => f.holder === core.o.self && f.epoch === mine.epoch)
  // No attempt: say so, naming the inputs. An attempt (a holder is alive): an ordinary failure.
  if (moot && recorded !== undefined) publishLoss(core, out, execution.cacheId, recorded, mine.ref, now)
  else publishFailed(core, out, execution.cacheId, mine.ref, now)
}
