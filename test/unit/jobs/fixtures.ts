import { rendezvousScore } from '../../../src/lease/rendezvous.ts'
import { StepCoordinator } from '../../../src/jobs/core/coordinator.ts'
import type { CoordinatorMessage, CoordinatorOutput, Effect } from '../../../src/jobs/core/effects.ts'
import type { CoordinatorInit } from '../../../src/jobs/core/options.ts'
import type { ClusterView, JobSpec } from '../../../src/jobs/core/types.ts'

/** Peer ids, cache ids and jobs that pass the wire schemas, and helpers to read a coordinator's effects. */
export const A = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
export const B = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'
export const C = '12D3KooWCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC'

export function cacheId (n: number): string {
  return n.toString(16).padStart(64, '0')
}

/** A cache id for which `first` ranks above every one of `others`. */
export function cacheIdRankedFirst (first: string, others: string[], from = 1): string {
  for (let n = from;; n++) {
    const id = cacheId(n)
    if (others.every(o => rendezvousScore(id, first) > rendezvousScore(id, o))) return id
  }
}

export function jobId (n: number): string {
  return `bagujob${n.toString().padStart(8, '0')}`
}

/** A chain job: each step consumes the previous one. */
export function chainJob (id: string, cacheIds: string[], submittedAt = 0): JobSpec {
  return {
    jobId: id,
    steps: cacheIds.map((c, i) => ({ stepId: `s${i}`, cacheId: c, type: i === 0 ? 'source' : 'encode', deps: i === 0 ? [] : [`s${i - 1}`] })),
    output: `s${cacheIds.length - 1}`,
    submittedAt
  }
}

export function node (self: string, init: Partial<CoordinatorInit> = {}): StepCoordinator {
  return new StepCoordinator({ self, slots: 2, capabilities: ['libx264'], rejoinQuietMs: 0, ...init })
}

export function view (self: string, peers: string[], slots = 2): ClusterView {
  return { self, members: peers.map(peerId => ({ peerId, state: 'alive', slots, capabilities: ['libx264'] })) }
}

/** Gives `c` a view of `peers`, all alive and measured `rttMs` away (a LAN: the waits stay at their floors). */
export function near (c: StepCoordinator, peers: string[], now = 0, rttMs = 1): void {
  c.onViewChanged(view(c.self, peers), now)
  for (const peer of peers) c.onRoundTrip(peer, rttMs, now)
}

export function effects<T extends Effect['type']> (out: CoordinatorOutput, type: T): Array<Extract<Effect, { type: T }>> {
  return out.effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type)
}

export function sent<T extends CoordinatorMessage['type']> (out: CoordinatorOutput, type: T): Array<Extract<CoordinatorMessage, { type: T }>> {
  return effects(out, 'publish').map(e => e.message).filter((m): m is Extract<CoordinatorMessage, { type: T }> => m.type === type)
}

/** Answers every lookup of `out` with a miss at `now`, and returns the outputs. */
export function missAll (c: StepCoordinator, out: CoordinatorOutput, now: number): CoordinatorOutput[] {
  return effects(out, 'lookupCache').flatMap(e => e.cacheIds).map(id => c.onCacheLookupResult(id, undefined, now))
}

export function merge (outs: CoordinatorOutput[]): CoordinatorOutput {
  return { effects: outs.flatMap(o => o.effects), nextWakeAt: Math.min(...outs.map(o => o.nextWakeAt)) }
}

export function cidOf (cacheId: string): string {
  return `bafy${cacheId.slice(0, 40)}`
}

/** Ticks `c` at every wake-up it asks for from `from` until `until` (a daemon's timer, on time), and returns the outputs. */
export function runUntil (c: StepCoordinator, from: number, until: number, stop: (out: CoordinatorOutput) => boolean = () => false): CoordinatorOutput {
  const outs: CoordinatorOutput[] = []
  for (let t = from; t <= until;) {
    const out = c.tick(t)
    outs.push(out)
    if (stop(out)) break
    t = Math.max(t + 1, out.nextWakeAt)
  }
  return merge(outs)
}

/** A `lease_claim` of `step` by `holder` at `epoch`, for job 1's step s0. */
export function claim (holder: string, step: string, epoch: number) {
  return { v: 1 as const, type: 'lease_claim' as const, cacheId: step, epoch, holder, jobId: jobId(1), stepId: 's0', sentAt: 0 }
}

/** A `step_failed` of `step` by `holder` at `epoch` for job 1's step s0, listing `failures` (by default its own). */
export function failed (holder: string, step: string, epoch: number, failures: Array<{ holder: string, epoch: number }> = [{ holder, epoch }], errorTail = 'Conversion failed!', sender = holder) {
  return { v: 1 as const, type: 'step_failed' as const, jobId: jobId(1), stepId: 's0', cacheId: step, epoch, holder, sender, attempt: failures.length, failures, errorTail, sentAt: 0 }
}
