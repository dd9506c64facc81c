import { LEASE_TOPIC } from '../../protocol/light/index.ts'
import type { LeaseReleaseMessage } from '../../protocol/index.ts'
import { JOBS_TOPIC, MAX_ATTESTATIONS, MAX_ERROR_TAIL_CHARS, MAX_FAILURES_PER_MESSAGE, MAX_LOST_INPUTS } from '../../protocol/light/index.ts'
import { MAX_LEASES_PER_MESSAGE } from '../../protocol/light/index.ts'
import type { Core } from './state.ts'
import type { Outbox } from './effects.ts'
import type { Completion, Failure } from './job-book.ts'
import type { LostInput, StepRef } from './types.ts'
import { defined } from '../../defined.ts'

/** Builders of every message this node publishes; `sentAt` is informational only. */
function stamp (now: number): number {
  return Math.max(0, Math.round(now))
}

export function publishClaim (core: Core, out: Outbox, cacheId: string, epoch: number, ref: StepRef, now: number): void {
  out.push({
    type: 'publish',
    topic: LEASE_TOPIC,
    message: { v: 1, type: 'lease_claim', cacheId, epoch, holder: core.o.self, jobId: ref.jobId, stepId: ref.stepId, sentAt: stamp(now) }
  })
}

export function publishRenew (core: Core, out: Outbox, leases: Array<{ cacheId: string, epoch: number }>, now: number): void {
  for (let i = 0; i < leases.length; i += MAX_LEASES_PER_MESSAGE) {
    out.push({
      type: 'publish',
      topic: LEASE_TOPIC,
      message: { v: 1, type: 'lease_renew', holder: core.o.self, leases: leases.slice(i, i + MAX_LEASES_PER_MESSAGE), sentAt: stamp(now) }
    })
  }
}

export function publishRelease (core: Core, out: Outbox, cacheId: string, epoch: number, reason: LeaseReleaseMessage['reason'], now: number): void {
  out.push({
    type: 'publish',
    topic: LEASE_TOPIC,
    message: { v: 1, type: 'lease_release', cacheId, epoch, holder: core.o.self, reason, sentAt: stamp(now) }
  })
}

/** Tells a claimant about the best claim it missed (a lease nobody renews any more). */
export function publishLeaseState (core: Core, out: Outbox, cacheId: string, best: { holder: string, epoch: number, released: boolean }, now: number): void {
  out.push({
    type: 'publish',
    topic: LEASE_TOPIC,
    message: { v: 1, type: 'lease_state', cacheId, epoch: best.epoch, holder: best.holder, released: best.released, sender: core.o.self, sentAt: stamp(now) }
  })
}

export function publishCompleted (core: Core, out: Outbox, cacheId: string, completion: Completion, ref: StepRef, now: number): void {
  out.push({
    type: 'publish',
    topic: JOBS_TOPIC,
    message: {
      v: 1,
      type: 'step_completed',
      jobId: ref.jobId,
      stepId: ref.stepId,
      cacheId,
      cid: completion.cid,
      epoch: completion.epoch,
      holder: completion.holder,
      sender: core.o.self,
      cached: completion.cached,
      attestations: completion.attestations.slice(0, MAX_ATTESTATIONS).map(a => ({ peer: a.peer, epoch: a.epoch, ...defined({ sig: a.sig }) })),
      ...defined({ durationMs: completion.durationMs }),
      sentAt: stamp(now)
    }
  })
}

/**
 * Publishes the votes this node holds for a result not yet confirmed, one
 * message per CID: a vote whose message was lost is otherwise never heard
 * again, and the step would wait for a confirmation forever.
 */
export function publishVotes (core: Core, out: Outbox, cacheId: string, ref: StepRef, now: number): void {
  for (const [cid, byPeer] of core.book.votes.get(cacheId) ?? []) {
    const attestations = [...byPeer.values()].sort((a, b) => a.epoch - b.epoch || (a.peer < b.peer ? -1 : 1))
    const first = attestations[0]
    if (first === undefined) continue
    publishCompleted(core, out, cacheId, { cid, holder: first.peer, epoch: first.epoch, cached: false, at: now, byMe: false, ref, attestations }, ref, now)
  }
}

/** The failures this node relays: those that count and it verified (heard the lease of). */
export function relayedFailures (core: Core, cacheId: string): Failure[] {
  return core.book.failuresOf(cacheId).filter(f => f.verified)
}

/**
 * Publishes the latest failure of `cacheId` with every failure this node verified (heard the
 * lease of): a relay vouches for what it sends, so it sends nothing it could not check.
 */
export function publishFailed (core: Core, out: Outbox, cacheId: string, ref: StepRef, now: number): void {
  const failures = relayedFailures(core, cacheId)
  if (failures.length === 0) return
  const last = failures.reduce((a, b) => (b.epoch > a.epoch ? b : a))
  publishFailure(core, out, cacheId, ref, last, failures.slice(-MAX_FAILURES_PER_MESSAGE), failures.length, now)
}

/**
 * Publishes a failure that was a run's failure to fetch inputs lost with their
 * holders, naming them (`lost`): no attempt. Its holder's own word, or a relay
 * of it to a node that still keeps a result the failure showed lost (losses.ts).
 */
export function publishLoss (core: Core, out: Outbox, cacheId: string, failure: Failure, ref: StepRef, now: number, about?: string): void {
  if (failure.lost === undefined || failure.lost.length === 0) return
  // A message names MAX_LOST_INPUTS of them at most: the one it is sent about first.
  const ordered = about === undefined ? failure.lost : [...failure.lost.filter(l => l.cacheId === about), ...failure.lost.filter(l => l.cacheId !== about)]
  const lost = ordered.slice(0, MAX_LOST_INPUTS).map(l => ({ cacheId: l.cacheId, cid: l.cid }))
  publishFailure(core, out, cacheId, ref, failure, [failure], Math.max(1, core.book.failuresOf(cacheId).length), now, lost)
}

/** A `step_failed` about `failure` (its holder, epoch and error tail), listing `listed`. */
function publishFailure (core: Core, out: Outbox, cacheId: string, ref: StepRef, failure: Failure, listed: readonly Failure[], attempt: number, now: number, lost?: LostInput[]): void {
  out.push({
    type: 'publish',
    topic: JOBS_TOPIC,
    message: {
      v: 1,
      type: 'step_failed',
      jobId: ref.jobId,
      stepId: ref.stepId,
      cacheId,
      epoch: failure.epoch,
      holder: failure.holder,
      sender: core.o.self,
      attempt,
      failures: listed.map(f => ({ holder: f.holder, epoch: f.epoch, ...defined({ sig: f.sig }) })),
      errorTail: clipTail(failure.errorTail ?? ''),
      ...defined({ lost }),
      sentAt: stamp(now)
    }
  })
}

export function publishCancelled (core: Core, out: Outbox, jobId: string, reason: string | undefined, now: number): void {
  out.push({
    type: 'publish',
    topic: JOBS_TOPIC,
    message: { v: 1, type: 'job_cancelled', jobId, by: core.o.self, ...(reason !== undefined ? { reason: reason.slice(0, 256) } : {}), sentAt: stamp(now) }
  })
}

/** Keeps the end of an error output: ffmpeg says what went wrong last. */
export function clipTail (text: string): string {
  return text.length <= MAX_ERROR_TAIL_CHARS ? text : text.slice(text.length - MAX_ERROR_TAIL_CHARS)
}
