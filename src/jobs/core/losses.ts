import { settleJob } from './lifecycle.ts'
import { publishLoss } from './outbound.ts'
import { stepEvent } from './state.ts'
import type { Core } from './state.ts'
import type { Outbox } from './effects.ts'
import type { Completion, Failure, WorkItem } from './job-book.ts'
import type { Attestation, LostInput, PeerId } from './types.ts'

/**
 * An output lost with its producer. A step's output is in the stores of the
 * nodes that made it (its attesters) until another node fetches it; when every
 * one of them dies before that, the steps that read it cannot run: their runs
 * fail with "input X could not be fetched".
 *
 * - **Forgetting.** Each node judges for itself, from its own membership view,
 *   whether such an input is lost: no attester of the result it keeps is alive
 *   (each is dead there, or unknown to it; not merely suspect) and it is none
 *   of them itself.
 *   Then it forgets the result: the step is wanted again and runs again (its
 *   run gives the same CID when the executors are deterministic), and the
 *   readers wait for it. A node judges on its own run's failure, on a reader's
 *   report (only from the reader's lease holder at that epoch, heard or relayed
 *   by a member that heard it), and again at each view change. A member cannot
 *   make a node forget a result the node can still reach.
 * - **No attempt.** The reader's failure is then no attempt at the reading
 *   step (moot). The reader decides that for its own run (it knows when the run
 *   began: a result forgotten and made again while the run waited counts as
 *   lost too) and says so by naming the inputs (`lost` in its step_failed);
 *   the others take its word, which can only lower its own failure's weight.
 *   While a holder of the input is alive in the reader's view, the failure
 *   counts as any other (published as an ordinary failure) and is judged again
 *   when the view changes: if it becomes moot, the reader says so then.
 */

/**
 * Whether `peer` is out of this node's reach: dead in its membership view, or
 * not in it at all (a node restarted without a registry knows only those it
 * hears). Alive and suspect members are within reach.
 */
export function gone (core: Core, peer: PeerId): boolean {
  if (peer === core.o.self) return false
  const state = core.members.get(peer)?.state
  return state === undefined || state === 'dead'
}

/** Whether every node known to hold the result's output (its attesters) is gone. */
function unreachable (core: Core, completion: Completion): boolean {
  if (!gone(core, completion.holder)) return false
  return completion.attestations.every(a => gone(core, a.peer))
}

/**
 * The inputs of `item` whose result is one of these CIDs (kept, or forgotten
 * since the run began): what a run of it could not fetch.
 */
export function lostInputs (core: Core, item: WorkItem, cids: readonly string[]): LostInput[] {
  if (cids.length === 0) return []
  const named = new Set(cids)
  const out: LostInput[] = []
  for (const dep of item.deps) {
    const cid = core.book.completions.get(dep)?.cid ?? core.book.losses.get(dep)?.cid
    if (cid !== undefined && named.has(cid)) out.push({ cacheId: dep, cid })
  }
  return out
}

/** What a failure to fetch inputs shows: the inputs it names still kept with a holder alive, and whether any is lost. */
export interface Judgement {
  held: string[]
  lost: boolean
}

/**
 * Whether a failure so judged is an attempt: it is not (moot) when one of the
 * inputs it names is lost and none is kept with a holder alive. A failure
 * that names nothing this node can judge counts as any other.
 */
export function counts (j: Judgement): boolean {
  return j.held.length > 0 || !j.lost
}

/**
 * A run of `reader` could not fetch `failure.lost`: forgets each of those
 * results that no reachable node holds, and says which of them are kept with
 * a holder alive (`held`) and whether one is lost (forgotten now or before).
 * `startedAt`, for this node's own run: a result forgotten after the run began
 * and made again since counts as lost (the run tried its old holders). Names
 * that are no inputs of the reader, or results other than the one kept, are
 * left out.
 */
export function judgeLoss (core: Core, out: Outbox, reader: string, failure: { holder: PeerId, epoch: number, lost: readonly LostInput[] }, now: number, startedAt?: number): Judgement {
  const item = core.book.items.get(reader)
  const judged: Judgement = { held: [], lost: false }
  for (const input of failure.lost) {
    if (item?.deps.includes(input.cacheId) !== true) continue
    const completion = core.book.completions.get(input.cacheId)
    const loss = core.book.losses.get(input.cacheId)
    if (completion === undefined || completion.cid !== input.cid) {
      // Forgotten already (another reader's failure showed it), or another result kept since.
      if (completion === undefined && loss?.cid === input.cid) judged.lost = true
      continue
    }
    if (unreachable(core, completion)) {
      forget(core, out, input.cacheId, completion, { reader, holder: failure.holder, epoch: failure.epoch }, now)
      judged.lost = true
    } else if (startedAt !== undefined && loss?.cid === input.cid && loss.at >= startedAt) {
      judged.lost = true
    } else {
      judged.held.push(input.cacheId)
    }
  }
  return judged
}

/**
 * Judges again the inputs failures named that were kept with a holder alive
 * (a view change: the holders may be dead now), and forgets those lost. A
 * counting failure whose every such input is lost becomes moot; this node's
 * own is announced as such.
 */
export function rejudgeLosses (core: Core, out: Outbox, now: number): void {
  const pending: Array<[string, Failure & { lost: LostInput[], held: string[] }]> = []
  for (const [reader, list] of core.book.failures) {
    for (const f of list) if (f.lost !== undefined && f.held !== undefined && f.held.length > 0 && f.verified) pending.push([reader, f as Failure & { lost: LostInput[], held: string[] }])
  }
  const affected = new Set<string>()
  for (const [reader, f] of pending) {
    const wasMoot = isMoot(f)
    const j = judgeLoss(core, out, reader, { holder: f.holder, epoch: f.epoch, lost: f.lost.filter(l => f.held.includes(l.cacheId)) }, now)
    if (wasMoot) {
      f.held = j.held
    } else if (isMoot(f)) {
      // Forgetting an input moots the failures that named it: this one is.
      affected.add(reader)
    } else if (j.held.length === 0 && j.lost) {
      f.held = []
      moot(core, out, reader, f, now)
      affected.add(reader)
    } else if (j.held.length > 0) {
      f.held = j.held
    }
  }
  settleReaders(core, out, affected, now)
}

/**
 * Whether an attestation is news of a result this node forgot, from a node
 * still gone: stale (nobody can fetch those bytes), not counted. A run made
 * since (a higher epoch), or an attester that came back, counts as usual.
 */
export function stale (core: Core, cacheId: string, cid: string, a: Attestation): boolean {
  const loss = core.book.losses.get(cacheId)
  return loss !== undefined && loss.cid === cid && a.epoch <= loss.epoch && gone(core, a.peer)
}

/**
 * Sends again the failure that showed a result lost, to a node that still
 * keeps it (it missed the report, or judged before its view caught up).
 */
export function publishLossEvidence (core: Core, out: Outbox, cacheId: string, now: number): boolean {
  const loss = core.book.losses.get(cacheId)
  if (loss === undefined) return false
  const { reader, holder, epoch } = loss.evidence
  const failure = core.book.failures.get(reader)?.find(f => f.holder === holder && f.epoch === epoch)
  const item = core.book.items.get(reader)
  if (failure?.lost === undefined || item === undefined) return false
  publishLoss(core, out, reader, failure, core.book.primaryRef(item), now, cacheId)
  return true
}

function forget (core: Core, out: Outbox, cacheId: string, completion: Completion, evidence: { reader: string, holder: PeerId, epoch: number }, now: number): void {
  core.book.forgetCompletion(cacheId)
  // The votes for the lost bytes: their voters hold nothing any more.
  core.book.votes.get(cacheId)?.delete(completion.cid)
  core.book.losses.set(cacheId, { cid: completion.cid, epoch: core.leases.maxEpoch(cacheId), at: now, evidence })
  core.metrics.resultsLost += 1
  out.persist = true
  const item = core.book.items.get(cacheId)
  if (item !== undefined) {
    item.runnableSince = undefined
    item.rankKey = undefined
  }
  stepEvent(core, out, item, cacheId, 'PENDING', completion.holder, completion.epoch, now, { reason: 'output_lost' })
  // The failures that could not fetch it from a holder they counted alive: it is lost, and made again.
  const affected = new Set<string>()
  for (const [reader, list] of core.book.failures) {
    for (const f of list) {
      if (!f.verified || f.held?.includes(cacheId) !== true || f.lost?.some(l => l.cacheId === cacheId && l.cid === completion.cid) !== true) continue
      f.held = f.held.filter(h => h !== cacheId)
      if (f.held.length > 0 || f.moot === true) continue
      moot(core, out, reader, f, now)
      affected.add(reader)
    }
  }
  settleReaders(core, out, affected, now)
}

function isMoot (f: Failure): boolean {
  return f.moot === true
}

/** A failure is no attempt after all; this node's own is announced as such (the others counted it). */
function moot (core: Core, out: Outbox, reader: string, f: Failure, now: number): void {
  f.moot = true
  out.persist = true
  const item = core.book.items.get(reader)
  if (f.holder === core.o.self && item !== undefined) publishLoss(core, out, reader, f, core.book.primaryRef(item), now)
}

/** A failed job whose failed step lost attempts may run again. */
function settleReaders (core: Core, out: Outbox, readers: ReadonlySet<string>, now: number): void {
  for (const reader of readers) {
    for (const ref of core.book.items.get(reader)?.refs ?? []) {
      const job = core.book.jobs.get(ref.jobId)
      if (job !== undefined) settleJob(core, out, job, now)
    }
  }
}
