import { capableNodes } from './attempts.ts'
import { recordCompletion, settleJob } from './lifecycle.ts'
import { stale } from './losses.ts'
import type { Completion } from './job-book.ts'
import type { Outbox } from './effects.ts'
import type { Core } from './state.ts'
import type { Attestation, PeerId, StepRef } from './types.ts'
import { defined } from '../../defined.ts'

/**
 * When a result counts. A step's result is never taken on one member's word
 * alone, unless the operator says so: it counts once `confirmations` distinct
 * members attested the same CID (a second node re-ran the step), or one of
 * `trustedProducers` did. Fewer confirmations are asked when fewer live nodes
 * could run the step (a node alone confirms its own work). Until then the
 * result is a vote: the step stays wanted, and the nodes that voted are left
 * out of its next claims, so the confirmation comes from someone else.
 */
export type ResultOutcome =
  /** Enough members agree: it is now (or already was) the step's completion. */
  | 'confirmed'
  /** Counted as a vote; the step waits for another member's run. */
  | 'pending'
  /** No attestation could be counted (none proves a lease, or the epoch is implausible). */
  | 'rejected'
  /** News of a result this node forgot, from nodes still gone (losses.ts): nobody can fetch it. */
  | 'stale'

export interface ResultMeta {
  cached: boolean
  byMe: boolean
  durationMs?: number | undefined
  ref: StepRef
  /**
   * A hit in the sender's own cache index (epoch 0, its own word): not a result here without a
   * quorum, and not a sign of a broken or hostile member either, so not counted as rejected.
   */
  ownIndexHit?: boolean | undefined
}

/**
 * How many distinct members must attest one CID before the cache id's result
 * counts: `confirmations`, but never more than the live nodes that could still
 * confirm it (able to run the step and not among those it failed on) and the
 * ones that already attested.
 */
export function requiredVotes (core: Core, cacheId: string, voters: Iterable<PeerId> = []): number {
  return Math.max(1, Math.min(core.o.confirmations, ableToConfirm(core, cacheId, voters).size))
}

/**
 * The live nodes that could run the step and have not failed it, and those that attested it
 * already (`voters`: attesters not recorded yet). A cache id no job of this node holds asks
 * nothing of the nodes: every live one counts, so never fewer than a job of it would count.
 */
function ableToConfirm (core: Core, cacheId: string, voters: Iterable<PeerId> = []): Set<PeerId> {
  const requires = core.book.items.get(cacheId)?.requires ?? []
  const failedOn = new Set(core.book.failuresOf(cacheId).map(f => f.holder))
  return new Set([...capableNodes(core, requires).filter(peer => !failedOn.has(peer)), ...core.book.votersOf(cacheId), ...voters])
}

/**
 * Takes in a result: the attestations of `cid` for `cacheId`. An attestation
 * counts when its author was heard holding the lease at its epoch (or is this
 * node), when the attestations given together already make a full quorum
 * (a confirmed result relayed, a cache record), or when it agrees with a
 * result already counted here. Returns what became of it.
 */
export function acceptResult (core: Core, out: Outbox, cacheId: string, cid: string, given: readonly Attestation[], meta: ResultMeta, now: number): ResultOutcome {
  const counted = countedAttestations(core, cacheId, cid, given)
  if (counted === 'stale') return 'stale'
  if (counted.length === 0) {
    if (meta.ownIndexHit !== true) core.metrics.resultsRejected += 1
    return 'rejected'
  }
  const existing = core.book.completions.get(cacheId)
  if (existing?.cid === cid) {
    mergeAttestations(existing, counted)
    return 'confirmed'
  }
  let byCid = core.book.votes.get(cacheId)
  if (byCid === undefined) {
    byCid = new Map()
    core.book.votes.set(cacheId, byCid)
  }
  let byPeer = byCid.get(cid)
  if (byPeer === undefined) {
    byPeer = new Map()
    byCid.set(cid, byPeer)
  }
  for (const a of counted) {
    const known = byPeer.get(a.peer)
    if (known === undefined || a.epoch < known.epoch || (a.epoch === known.epoch && known.sig === undefined)) byPeer.set(a.peer, { ...a })
  }
  out.persist = true
  // After the votes are in: whoever attested could run the step, and counts among those able to confirm.
  const voters = [...byPeer.values()]
  if (!quorate(core, cacheId, new Set(byPeer.keys()))) {
    if (byCid.size > 1) disagreement(core, out, cacheId, byCid, now)
    return 'pending'
  }
  const first = voters.reduce((a, b) => (b.epoch < a.epoch || (b.epoch === a.epoch && b.peer < a.peer) ? b : a))
  const completion: Completion = {
    cid,
    holder: first.peer,
    epoch: first.epoch,
    cached: meta.cached,
    at: now,
    byMe: meta.byMe,
    ...defined({ durationMs: meta.durationMs }),
    ref: meta.ref,
    attestations: voters.sort((a, b) => a.epoch - b.epoch || (a.peer < b.peer ? -1 : 1))
  }
  recordCompletion(core, out, cacheId, completion, now)
  return 'confirmed'
}

/**
 * The attestations of `cid` for `cacheId` that this node counts (see acceptResult), or `stale`
 * when every one given is news of a result it forgot from nodes still gone. Reads the state,
 * changes nothing.
 */
function countedAttestations (core: Core, cacheId: string, cid: string, given: readonly Attestation[]): Attestation[] | 'stale' {
  const attestations = given.filter(a => !stale(core, cacheId, cid, a))
  if (attestations.length === 0 && given.length > 0) return 'stale'
  const distinct = new Set(attestations.map(a => a.peer))
  // Proof on its own: as many attesters as the cluster's setting asks, whatever this node's view.
  // (A node whose view is small asks fewer votes of its own work, never of someone else's.)
  const selfContained = distinct.size >= core.o.confirmations || attestations.some(a => core.o.trustedProducers.has(a.peer))
  // Agreement with bytes this node already holds a result or a counted vote for confirms them, whether
  // or not this node heard that lease (it was down, or restarted since): a distinct member made the same bytes.
  const agrees = core.book.completions.get(cacheId)?.cid === cid || (core.book.votes.get(cacheId)?.get(cid)?.size ?? 0) > 0
  // The only node left that could run it (the others failed it): its word is all there can be, lease heard or not.
  const able = ableToConfirm(core, cacheId)
  const onlyAble = (peer: PeerId): boolean => able.size === 1 && able.has(peer)
  return attestations.filter(a => core.leases.plausible(cacheId, a.epoch) && (selfContained || agrees || a.peer === core.o.self || onlyAble(a.peer) || core.leases.claimed(cacheId, a.peer, a.epoch)))
}

/**
 * Whether acceptResult would confirm these attestations of `cid` as the cache id's result now,
 * under this node's trust settings and in its state (a cache record found in the DHT, judged
 * before the job that asked for it exists here: a job's step can only ask fewer votes).
 * Reads the state, changes nothing: the submitter's look-ups stop at the output's record only
 * when it is true, and the coordinator then takes the record through acceptResult itself.
 */
export function wouldConfirm (core: Core, cacheId: string, cid: string, given: readonly Attestation[]): boolean {
  const counted = countedAttestations(core, cacheId, cid, given)
  if (counted === 'stale' || counted.length === 0) return false
  if (core.book.completions.get(cacheId)?.cid === cid) return true
  return quorate(core, cacheId, new Set([...(core.book.votes.get(cacheId)?.get(cid)?.keys() ?? []), ...counted.map(a => a.peer)]))
}

/** Whether these distinct voters for one CID make a result: a trusted producer among them, or enough of them. */
function quorate (core: Core, cacheId: string, voters: ReadonlySet<PeerId>): boolean {
  return [...voters].some(peer => core.o.trustedProducers.has(peer)) || voters.size >= requiredVotes(core, cacheId, voters)
}

/**
 * Votes that were short of a quorum may reach it when fewer nodes can run the
 * step now (a voter's peers died): judged again after a view change.
 */
export function settleVotes (core: Core, out: Outbox, now: number): void {
  for (const [cacheId, byCid] of core.book.votes) {
    if (core.book.completions.has(cacheId)) continue
    const item = core.book.items.get(cacheId)
    if (item === undefined) continue
    for (const [cid, byPeer] of byCid) {
      const voters = [...byPeer.values()]
      if (voters.length < requiredVotes(core, cacheId)) continue
      acceptResult(core, out, cacheId, cid, voters, { cached: false, byMe: false, ref: core.book.primaryRef(item) }, now)
      break
    }
  }
}

/**
 * Whether the members that ran a step (attesters at an epoch: a cache hit is no run) are more
 * than `trust.confirmations` asked for: only runs beyond the quorum are duplicates.
 */
export function beyondQuorum (core: Core, ...lists: ReadonlyArray<readonly Attestation[]>): boolean {
  return new Set(lists.flat().filter(a => a.epoch > 0).map(a => a.peer)).size > core.o.confirmations
}

/** Whether `peer` already reported a result for the cache id: it is not asked to run it again. */
export function hasVoted (core: Core, cacheId: string, peer: PeerId): boolean {
  return core.book.votersOf(cacheId).has(peer)
}

/**
 * No CID can reach a quorum any more: every live node able to run the step
 * reported a result and they disagree (executors whose bytes differ).
 */
export function resultsDisagree (core: Core, cacheId: string): boolean {
  const byCid = core.book.votes.get(cacheId)
  if (byCid === undefined || byCid.size < 2 || core.book.completions.has(cacheId)) return false
  const voters = core.book.votersOf(cacheId)
  const requires = core.book.items.get(cacheId)?.requires ?? []
  return capableNodes(core, requires).every(peer => voters.has(peer))
}

/** Votes for different CIDs: counted and reported once per CID; if no quorum can be reached any more, the jobs fail. */
function disagreement (core: Core, out: Outbox, cacheId: string, byCid: Map<string, Map<PeerId, Attestation>>, now: number): void {
  let cids = core.book.conflicts.get(cacheId)
  if (cids === undefined) core.book.conflicts.set(cacheId, cids = new Set())
  const fresh = [...byCid.keys()].filter(cid => !cids.has(cid))
  for (const cid of fresh) cids.add(cid)
  if (fresh.length > 0) {
    core.metrics.resultMismatches += 1
    out.event({
      kind: 'mismatch',
      at: now,
      cacheId,
      refs: [...(core.book.items.get(cacheId)?.refs ?? [])],
      kept: '',
      results: [...byCid].flatMap(([cid, byPeer]) => [...byPeer.values()].map(a => ({ cid, holder: a.peer, epoch: a.epoch })))
    })
  }
  if (!resultsDisagree(core, cacheId)) return
  for (const ref of core.book.items.get(cacheId)?.refs ?? []) {
    const job = core.book.jobs.get(ref.jobId)
    if (job !== undefined) settleJob(core, out, job, now)
  }
}

function mergeAttestations (completion: Completion, more: readonly Attestation[]): void {
  for (const a of more) {
    if (completion.attestations.some(k => k.peer === a.peer)) continue
    if (completion.attestations.length >= MAX_KEPT_ATTESTATIONS) return
    completion.attestations.push({ ...a })
  }
}

/** Attestations kept per result (what one message can carry). */
const MAX_KEPT_ATTESTATIONS = 8
