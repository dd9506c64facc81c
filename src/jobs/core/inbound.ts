import type { LeaseReleaseMessage, LeaseStateMessage } from '../../protocol/index.ts'
import type { StepCompletedMessage, StepFailedMessage } from '../../protocol/index.ts'
import { claimReason, countDuplicate, firstAnswer, settleMs, stepEvent } from './state.ts'
import type { Core } from './state.ts'
import type { CoordinatorMessage, Outbox } from './effects.ts'
import { cancelFrom, dropMine, recordFailures, takeSubmitterWord } from './lifecycle.ts'
import { acceptResult, beyondQuorum } from './results.ts'
import { failedForGood } from './attempts.ts'
import { MAX_REFUTATIONS } from '../../lease/index.ts'
import { counts, judgeLoss, publishLossEvidence } from './losses.ts'
import { publishClaim, publishCompleted, publishFailed, publishLeaseState, publishRenew, relayedFailures } from './outbound.ts'
import type { LostInput, PeerId } from './types.ts'

type StepFailure = StepFailedMessage['failures'][number]

/**
 * What other nodes tell this one: lease claims and renewals (also carried in
 * heartbeats, see heartbeat.ts), releases, hearsay, results, failures and
 * cancellations. Messages this node wrote itself are ignored: its own state is
 * the authority on them.
 */
export function handleMessage (core: Core, out: Outbox, msg: CoordinatorMessage, now: number): void {
  switch (msg.type) {
    case 'lease_claim':
      sighting(core, out, msg.cacheId, msg.holder, msg.epoch, now)
      break
    case 'lease_renew':
      for (const lease of msg.leases) sighting(core, out, lease.cacheId, msg.holder, lease.epoch, now)
      break
    case 'lease_release':
      onRelease(core, out, msg, now)
      break
    case 'lease_state':
      onLeaseState(core, out, msg, now)
      break
    case 'step_completed':
      onCompleted(core, out, msg, now)
      break
    case 'step_failed':
      onFailed(core, out, msg, now)
      break
    case 'job_cancelled':
      cancelFrom(core, out, msg.jobId, msg.by, msg.reason, now)
      break
  }
}

/** A claim, a renew or a heartbeat entry: `holder` says it holds `cacheId` at `epoch`. */
export function sighting (core: Core, out: Outbox, cacheId: string, holder: PeerId, epoch: number, now: number): void {
  if (holder === core.o.self) return
  const key = `${cacheId}|${holder}|${epoch}`
  const completion = core.book.completions.get(cacheId)
  if (completion !== undefined) {
    // Its result, if it ran anyway (it missed this one, down or cut off), is a vote that confirms this one.
    core.leases.witness(cacheId, holder, epoch, now)
    // The claimant missed the result: tell it again instead of letting it run.
    if (firstAnswer(core, key, now)) {
      publishCompleted(core, out, cacheId, completion, completion.ref, now)
      core.metrics.antiEntropyAnswers += 1
    }
    return
  }
  const item = core.book.items.get(cacheId)
  if (failedForGood(core, cacheId)) {
    if (item !== undefined && firstAnswer(core, key, now)) {
      publishFailed(core, out, cacheId, core.book.primaryRef(item), now)
      core.metrics.antiEntropyAnswers += 1
    }
    return
  }
  const outcome = core.leases.observe(cacheId, holder, epoch, now)
  if (outcome.kind === 'rejected') {
    core.metrics.epochsRejected += 1
  } else if (outcome.kind === 'barred') {
    core.metrics.claimsBarred += 1
  } else if (outcome.kind === 'took') {
    if (outcome.displaced?.holder === core.o.self) displaced(core, out, cacheId, holder, epoch, outcome.displaced.epoch, now)
    // A claim above an unreleased lease of another holder is a takeover, whoever watches it.
    const takeover = outcome.displaced !== undefined && outcome.displaced.holder !== holder && outcome.displaced.epoch < epoch
    if (item !== undefined) stepEvent(core, out, item, cacheId, 'CLAIMED', holder, epoch, now, claimReason(core, cacheId, holder, takeover))
  } else if (outcome.kind === 'lost' && outcome.current?.holder === core.o.self) {
    // The claimant has not heard of this node's lease: re-assert it now rather than at the next renewal.
    if (firstAnswer(core, key, now)) {
      publishRenew(core, out, [{ cacheId, epoch: outcome.current.epoch }], now)
      core.metrics.reassertions += 1
    }
  } else if (outcome.kind === 'lost') {
    // It lost to a claim it never heard of, whose holder may be dead or gone (a crash just after
    // claiming, a release): that holder may never correct it, so tell it what this node knows.
    const best = core.leases.best(cacheId)
    if (best !== undefined && firstAnswer(core, key, now)) {
      publishLeaseState(core, out, cacheId, best, now)
      core.metrics.antiEntropyAnswers += 1
    }
  }
}

/** Hearsay about the best claim: it orders claims (this node's may lose) but proves no holder alive. */
function onLeaseState (core: Core, out: Outbox, msg: LeaseStateMessage, now: number): void {
  if (msg.sender === core.o.self || msg.holder === core.o.self || core.book.isComplete(msg.cacheId)) return
  if (msg.released) {
    const outcome = core.leases.release(msg.cacheId, msg.holder, msg.epoch, now)
    if (outcome.kind === 'released' && outcome.displaced?.holder === core.o.self) reclaim(core, out, msg.cacheId, now)
  } else {
    const outcome = core.leases.observe(msg.cacheId, msg.holder, msg.epoch, now, true)
    if (outcome.kind === 'rejected') core.metrics.epochsRejected += 1
    else if (outcome.kind === 'took' && outcome.displaced?.holder === core.o.self) displaced(core, out, msg.cacheId, msg.holder, msg.epoch, outcome.displaced.epoch, now)
  }
}

/**
 * Another node's claim now beats this node's lease. The same epoch: a claim
 * made before either could see the other; the claim order picks the winner
 * and this node yields. A higher epoch: somebody took the lease over, believing
 * it lapsed. If that somebody is the holder this node itself took the lease
 * from, it refutes the takeover: this node yields. If this node is running the
 * step and was not paused (its silence was the network's, not its own), the
 * takeover was a false suspicion: it refutes it — claims again above it and
 * keeps running — as SWIM/Lifeguard members refute a suspicion. The taker
 * yields to a refutation and does not take over from that holder again while
 * membership says it is alive, so the two cannot raise the epoch in turns.
 */
function displaced (core: Core, out: Outbox, cacheId: string, by: PeerId, byEpoch: number, myEpoch: number, now: number): void {
  const item = core.book.items.get(cacheId)
  const mine = item?.mine
  if (item === undefined || mine === undefined) return
  if (byEpoch > myEpoch && mine.takeoverOf === by) {
    core.metrics.takeoversRefuted += 1
    ;(item.refutedBy ??= new Set()).add(by)
    dropMine(core, out, item, 'refuted', now, { release: false, duplicate: mine.phase === 'running' })
    return
  }
  const pausedLately = core.lastPauseAt !== undefined && now - core.lastPauseAt < core.o.lease.ttlMs
  if (byEpoch > myEpoch && mine.phase === 'running' && !pausedLately && mine.refutations < MAX_REFUTATIONS) {
    const epoch = core.leases.maxEpoch(cacheId) + 1
    core.leases.observe(cacheId, core.o.self, epoch, now)
    mine.epoch = epoch
    mine.refutations += 1
    publishClaim(core, out, cacheId, epoch, { jobId: mine.ref.jobId, stepId: mine.ref.stepId }, now)
    core.metrics.claims += 1
    core.metrics.refutations += 1
    out.persist = true
    stepEvent(core, out, item, cacheId, 'CLAIMED', core.o.self, epoch, now, { reason: 'refutation' })
    return
  }
  core.metrics.conflictsLost += 1
  dropMine(core, out, item, 'lost_lease', now, { release: false, duplicate: true })
}

/**
 * This node's claim lost to one that is already released (its holder restarted,
 * failed or let go): nobody else runs the step, so instead of aborting, claim
 * it again above every epoch seen and keep going.
 */
function reclaim (core: Core, out: Outbox, cacheId: string, now: number): void {
  const item = core.book.items.get(cacheId)
  const mine = item?.mine
  if (item === undefined || mine === undefined) return
  const epoch = core.leases.maxEpoch(cacheId) + 1
  core.leases.observe(cacheId, core.o.self, epoch, now)
  mine.epoch = epoch
  if (mine.phase === 'settling') {
    mine.ref = { ...mine.ref, epoch }
    mine.settleUntil = now + settleMs(core, now)
  }
  publishClaim(core, out, cacheId, epoch, { jobId: mine.ref.jobId, stepId: mine.ref.stepId }, now)
  core.metrics.claims += 1
  out.persist = true
  stepEvent(core, out, item, cacheId, 'CLAIMED', core.o.self, epoch, now, { reason: 'reclaim' })
}

function onRelease (core: Core, out: Outbox, msg: LeaseReleaseMessage, now: number): void {
  if (msg.holder === core.o.self) return
  const outcome = core.leases.release(msg.cacheId, msg.holder, msg.epoch, now)
  if (outcome.kind === 'rejected') core.metrics.epochsRejected += 1
  else if (outcome.kind === 'released' && outcome.displaced?.holder === core.o.self) reclaim(core, out, msg.cacheId, now)
}

/**
 * A result, or a vote for one (results.ts): its attestations decide whether it
 * counts. The leases it names end, but only leases this node heard of: a
 * result naming a lease nobody claimed releases nothing.
 */
function onCompleted (core: Core, out: Outbox, msg: StepCompletedMessage, now: number): void {
  if (msg.sender === core.o.self) return
  if (!core.leases.plausible(msg.cacheId, msg.epoch)) {
    core.metrics.epochsRejected += 1
    return
  }
  for (const a of msg.attestations) {
    if (a.epoch > 0 && core.leases.claimed(msg.cacheId, a.peer, a.epoch)) core.leases.release(msg.cacheId, a.peer, a.epoch, now)
  }
  const existing = core.book.completions.get(msg.cacheId)
  // Both this node and `msg.holder` ran it: wasted work (and, if the CIDs differ, a disagreement recordCompletion reports).
  // (Runs up to trust.confirmations distinct attesters were asked for: only one more is waste.)
  if (existing?.byMe === true && msg.holder !== core.o.self && !msg.cached && beyondQuorum(core, existing.attestations, msg.attestations)) countDuplicate(core, msg.cacheId)
  // A cache hit in the sender's own index (epoch 0, its own word): the result does not count here
  // unless enough members attest it, but the sender's own jobs of that output are done (lifecycle.ts).
  const ownIndexHit = msg.cached && msg.epoch === 0 && msg.holder === msg.sender && msg.attestations.some(a => a.peer === msg.sender && a.epoch === 0)
  const outcome = acceptResult(core, out, msg.cacheId, msg.cid, msg.attestations, { cached: msg.cached, byMe: false, durationMs: msg.durationMs, ref: { jobId: msg.jobId, stepId: msg.stepId }, ownIndexHit }, now)
  if (outcome !== 'confirmed' && ownIndexHit) {
    takeSubmitterWord(core, out, msg.sender, msg.jobId, msg.cacheId, msg.cid, now)
  }
  // The sender still keeps a result this node forgot, all of whose holders are gone: show it why.
  if (outcome === 'stale' && firstAnswer(core, `${msg.cacheId}|lost|${msg.sender}`, now) && publishLossEvidence(core, out, msg.cacheId, now)) core.metrics.antiEntropyAnswers += 1
  // The sender knows fewer attestations of this result than this node: it may still wait for a
  // confirmation (its vote, sent again) that this node's completion already holds. Tell it.
  const kept = core.book.completions.get(msg.cacheId)
  if (kept?.cid === msg.cid && kept.attestations.some(k => !msg.attestations.some(a => a.peer === k.peer)) && firstAnswer(core, `${msg.cacheId}|quorum|${msg.sender}`, now)) {
    publishCompleted(core, out, msg.cacheId, kept, kept.ref, now)
    core.metrics.antiEntropyAnswers += 1
  }
}

function onFailed (core: Core, out: Outbox, msg: StepFailedMessage, now: number): void {
  if (msg.sender === core.o.self) return
  // A failure counts fully only from the holder of the step's lease at that epoch: this node heard
  // the claim, or another member that did relays it (nodes relay only failures they verified).
  // Members cannot fail a step by reporting runs they never claimed. A failure this node cannot
  // verify (it missed the claim, or was down) marks its holder as having tried, nothing more.
  const heard = (holder: PeerId, epoch: number): boolean => holder === core.o.self || core.leases.claimed(msg.cacheId, holder, epoch) || (msg.sender !== holder && core.members.has(holder))
  if (!heard(msg.holder, msg.epoch)) {
    core.metrics.failuresUnverified += 1
    if (!core.book.isComplete(msg.cacheId)) recordHeard(core, out, msg, heard, now)
    return
  }
  const outcome = core.leases.release(msg.cacheId, msg.holder, msg.epoch, now)
  if (outcome.kind === 'rejected') {
    core.metrics.epochsRejected += 1
    return
  }
  if (outcome.kind === 'released' && outcome.displaced?.holder === core.o.self) reclaim(core, out, msg.cacheId, now)
  if (core.book.isComplete(msg.cacheId)) return
  recordHeard(core, out, msg, heard, now)
  // The sender knows fewer verified failures than this node: tell it (it may wait for a node that failed).
  const told = new Set([...msg.failures.map(f => `${f.holder}@${f.epoch}`), `${msg.holder}@${msg.epoch}`])
  const item = core.book.items.get(msg.cacheId)
  if (item !== undefined && relayedFailures(core, msg.cacheId).some(f => !told.has(`${f.holder}@${f.epoch}`)) && firstAnswer(core, `${msg.cacheId}|failures|${msg.sender}`, now)) {
    publishFailed(core, out, msg.cacheId, core.book.primaryRef(item), now)
    core.metrics.antiEntropyAnswers += 1
  }
}

/**
 * Records the failures of `msg` (the sender's own included), each marked verified when this node
 * heard its lease. The message's own failure may be a run's failure to fetch inputs (`lost`,
 * losses.ts): this node judges whether they are lost (and forgets them) first. The failure is no
 * attempt (moot) when its holder says so (it is the sender); a relay of it (a loss shown to a node
 * that missed it) makes no attempt count that did not, and ends one whose inputs this node now
 * judges lost. One this node cannot verify is moot whatever it names.
 */
function recordHeard (core: Core, out: Outbox, msg: StepFailedMessage, heard: (holder: PeerId, epoch: number) => boolean, now: number): void {
  const failures: Array<StepFailure & { errorTail?: string, verified: boolean, lost?: LostInput[], held?: string[], moot?: boolean }> = msg.failures
    .filter(f => core.leases.plausible(msg.cacheId, f.epoch))
    .map(f => ({ ...f, ...(f.holder === msg.holder && f.epoch === msg.epoch ? { errorTail: msg.errorTail } : {}), verified: heard(f.holder, f.epoch) }))
  let own = failures.find(f => f.holder === msg.holder && f.epoch === msg.epoch)
  if (own === undefined) failures.push(own = { holder: msg.holder, epoch: msg.epoch, errorTail: msg.errorTail, verified: heard(msg.holder, msg.epoch) })
  if (msg.lost !== undefined) {
    own.lost = msg.lost
    const judged = own.verified ? judgeLoss(core, out, msg.cacheId, { holder: own.holder, epoch: own.epoch, lost: msg.lost }, now) : { held: [], lost: true }
    own.held = judged.held
    // A relay shows the loss, it adds no attempt: a failure this node did not count before stays uncounted.
    const known = core.book.failures.get(msg.cacheId)?.some(f => f.holder === msg.holder && f.epoch === msg.epoch && f.moot !== true) === true
    own.moot = msg.sender === msg.holder || !known || !counts(judged)
  }
  recordFailures(core, out, msg.cacheId, failures, now)
}
