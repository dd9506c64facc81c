import { rankCandidates } from './candidates.ts'
import { failedForGood } from './attempts.ts'
import { settleJob } from './lifecycle.ts'
import { claimReason, rankDelayMs, refuteWaitMs, settleMs, stepEvent } from './state.ts'
import type { Core } from './state.ts'
import type { Outbox } from './effects.ts'
import type { WorkItem } from './job-book.ts'
import type { LeaseStatus } from '../../lease/index.ts'
import { retryDelay } from './options.ts'
import { publishLossEvidence } from './losses.ts'
import { publishClaim, publishCompleted, publishFailed, publishRenew, publishVotes } from './outbound.ts'
import type { PeerId } from './types.ts'

/**
 * The decisions taken after every input: give up on slow cache lookups, claim
 * runnable steps in rank order, start claims whose settle window passed, renew
 * held leases. Each records in the outbox when it must run again.
 */
export function schedule (core: Core, out: Outbox, now: number, decide: boolean): void {
  expireLookups(core, out, now)
  if (now >= core.quietUntil) claimRunnable(core, out, now, decide)
  else out.decideAt(core.quietUntil)
  startSettled(core, out, now, decide)
  renewHeld(core, out, now)
}

function expireLookups (core: Core, out: Outbox, now: number): void {
  for (const item of core.book.items.values()) {
    if (item.lookup !== 'pending') continue
    if (now >= item.lookupDeadline) {
      item.lookup = 'done'
      core.metrics.lookupTimeouts += 1
      core.metrics.cacheMisses += 1
      // A job may have waited for this answer before failing.
      for (const ref of item.refs) {
        const job = core.book.jobs.get(ref.jobId)
        if (job !== undefined) settleJob(core, out, job, now)
      }
    } else {
      out.wakeAt(item.lookupDeadline)
    }
  }
}

function claimRunnable (core: Core, out: Outbox, now: number, decide: boolean): void {
  const { book, o } = core
  let held: Map<PeerId, number> | undefined
  let rankDelay: number | undefined
  const failed = (cacheId: string): boolean => failedForGood(core, cacheId)
  for (const item of book.ordered()) {
    if (item.mine !== undefined || item.lookup === 'pending') continue
    if (!book.isWanted(item, failed) || !book.depsDone(item)) continue
    item.runnableSince ??= now
    const status = core.leases.status(item.cacheId, now)
    if (status.state === 'held') {
      out.decideAt(status.lapsesAt)
      continue
    }
    // That holder refuted a takeover of this node's before: it is alive, whatever this node hears
    // (unless it has held the step past lease.maxHoldMs: alive or not, it is stuck).
    if (status.state === 'lapsed' && !status.overheld && item.refutedBy?.has(status.holder) === true && core.members.get(status.holder)?.state === 'alive') continue
    const failures = book.failuresOf(item.cacheId)
    if (failures.length > 0) {
      const lastAt = failures.reduce((m, f) => Math.max(m, f.at), Number.NEGATIVE_INFINITY)
      const retryAt = lastAt + retryDelay(o, failures.length)
      if (now < retryAt) {
        out.decideAt(retryAt)
        continue
      }
    }
    held ??= core.leases.heldCounts(now, cacheId => !book.isComplete(cacheId))
    const ranked = rankCandidates(core, item, status.state === 'lapsed' ? status.holder : undefined, held)
    const key = ranked.join(',')
    if (key !== item.rankKey) {
      item.rankKey = key
      item.rankSince = now
    }
    const rank = ranked.indexOf(o.self)
    if (rank < 0) {
      if (ranked.length > 0) nudgeIfStalled(core, out, item, now)
      continue
    }
    rankDelay ??= rankDelayMs(core, now)
    const claimAt = item.rankSince + rank * rankDelay
    if (now < claimAt || !decide) {
      out.decideAt(claimAt)
      continue
    }
    claim(core, out, item, status, now)
    held.set(o.self, (held.get(o.self) ?? 0) + 1)
  }
}

/**
 * A step stays unclaimed although, in this node's view, another node should
 * claim it: knowledge has diverged through lost messages. This node may have
 * missed the step's result (look it up again), the candidates may have missed
 * its inputs' results or failures this node knows of (send them again). Once
 * per ttl per step; a plain wait for a free slot (no candidate at all) is no stall.
 */
function nudgeIfStalled (core: Core, out: Outbox, item: WorkItem, now: number): void {
  const ttl = core.o.lease.ttlMs
  const since = Math.max(item.rankSince, item.stallNoticeAt ?? Number.NEGATIVE_INFINITY)
  if (now < since + ttl) {
    out.wakeAt(since + ttl)
    return
  }
  item.stallNoticeAt = now
  out.push({ type: 'lookupCache', cacheIds: [item.cacheId], deadline: now + core.o.cacheLookupTimeoutMs, scope: 'network' })
  for (const dep of item.deps) {
    const completion = core.book.completions.get(dep)
    if (completion !== undefined) publishCompleted(core, out, dep, completion, completion.ref, now)
  }
  if (core.book.failuresOf(item.cacheId).length > 0) publishFailed(core, out, item.cacheId, core.book.primaryRef(item), now)
  // The candidates may have missed this step's votes (theirs excluded them, ours would confirm theirs).
  publishVotes(core, out, item.cacheId, core.book.primaryRef(item), now)
  // Or that its result was lost with its holders: they still keep it, and wait for its readers.
  publishLossEvidence(core, out, item.cacheId, now)
  core.metrics.antiEntropyAnswers += 1
}

function claim (core: Core, out: Outbox, item: WorkItem, status: Exclude<LeaseStatus, { state: 'held' }>, now: number): void {
  const epoch = status.maxEpoch + 1
  const ref = core.book.primaryRef(item)
  core.leases.observe(item.cacheId, core.o.self, epoch, now)
  const takeover = status.state === 'lapsed'
  item.mine = {
    phase: 'settling',
    epoch,
    ref: { jobId: ref.jobId, stepId: ref.stepId, cacheId: item.cacheId, epoch },
    claimedAt: now,
    // A takeover gives the holder it replaces time to refute it, in case it is alive after all.
    settleUntil: now + (takeover ? refuteWaitMs(core, now) : settleMs(core, now)),
    startedAt: undefined,
    takeoverOf: takeover ? status.holder : undefined,
    refutations: 0
  }
  publishClaim(core, out, item.cacheId, epoch, ref, now)
  core.metrics.claims += 1
  if (takeover) core.metrics.takeovers += 1
  out.persist = true
  stepEvent(core, out, item, item.cacheId, 'CLAIMED', core.o.self, epoch, now, claimReason(core, item.cacheId, core.o.self, takeover))
}

function startSettled (core: Core, out: Outbox, now: number, decide: boolean): void {
  for (const item of core.book.items.values()) {
    const mine = item.mine
    if (mine?.phase !== 'settling') continue
    if (now < mine.settleUntil || !decide) {
      out.decideAt(mine.settleUntil)
      continue
    }
    const holder = core.leases.holder(item.cacheId, now)
    if (holder?.holder !== core.o.self || holder.epoch !== mine.epoch) {
      // Defensive: a lost claim is dropped when the better one arrives.
      item.mine = undefined
      core.metrics.conflictsLost += 1
      continue
    }
    mine.phase = 'running'
    mine.startedAt = now
    out.push({ type: 'startExecution', execution: mine.ref })
    core.metrics.stepsRun += 1
    const waitedMs = item.runnableSince === undefined ? undefined : now - item.runnableSince
    stepEvent(core, out, item, item.cacheId, 'RUNNING', core.o.self, mine.epoch, now, waitedMs === undefined ? {} : { waitedMs })
  }
}

function renewHeld (core: Core, out: Outbox, now: number): void {
  const held = core.leases.heldBySelf()
  if (held.length === 0) {
    core.nextRenewAt = undefined
    return
  }
  if (core.nextRenewAt === undefined) {
    // The claim itself was the first word; renew one interval later.
    core.nextRenewAt = now + core.o.lease.renewIntervalMs
  } else if (now >= core.nextRenewAt) {
    publishRenew(core, out, held, now)
    core.nextRenewAt = now + core.o.lease.renewIntervalMs
  }
  out.wakeAt(core.nextRenewAt)
}
