import type { LeaseTable } from '../../lease/index.ts'
import type { NetworkTiming } from '../../lease/index.ts'
import type { ScoreCache } from '../../lease/index.ts'
import type { JobBook, WorkItem } from './job-book.ts'
import type { CoordinatorMetrics } from './metrics.ts'
import type { CoordinatorOptions } from './options.ts'
import type { Outbox } from './effects.ts'
import type { ClusterMember, PeerId, StepState } from './types.ts'

/** A member of the view, with its capabilities as a set (ranking checks them on every pass). */
export interface KnownMember extends ClusterMember {
  capabilitySet: ReadonlySet<string>
}

/** The coordinator's whole state, shared by the handlers in this folder. */
export interface Core {
  readonly o: CoordinatorOptions
  readonly book: JobBook
  readonly leases: LeaseTable
  readonly scores: ScoreCache
  /** Measured round trips: the settle window and rank delays follow them. */
  readonly timing: NetworkTiming
  readonly metrics: CoordinatorMetrics
  /** Other nodes, from the latest view. */
  members: Map<PeerId, KnownMember>
  /** No claims before this time (start, restore, pause). */
  quietUntil: number
  lastInputAt: number | undefined
  /** When this node, at its last input, meant to decide a claim or a start next. */
  promisedDecision: number | undefined
  /** Late decision wake-ups deferred in a row (MAX_LAG_DEFERRALS at most: then it decides, late or not). */
  lagDeferred: number
  /** When this node last noticed it had been paused. */
  lastPauseAt: number | undefined
  /** Where the heartbeat's rotation through finished jobs continues. */
  announceCursor: number
  nextRenewAt: number | undefined
  /** Anti-entropy answers and re-assertions already sent, by claim, with the time. */
  answered: Map<string, number>
  /** Cache ids whose duplicate run this node already counted (once per step and node). */
  duplicatesCounted: Set<string>
  /** Jobs asked for after a peer's heartbeat mentioned them, with the time. */
  jobFetches: Map<string, number>
  lastGcAt: number
}

/**
 * Why a node claims a step, for the event a user sees: `takeover` (its holder went silent), or
 * `confirm` when another member already reported a result, so this run checks it
 * (`trust.confirmations`); none for a first run.
 */
export function claimReason (core: Core, cacheId: string, claimant: PeerId, takeover: boolean): { reason?: 'takeover' | 'confirm' } {
  if (takeover) return { reason: 'takeover' }
  for (const voter of core.book.votersOf(cacheId)) if (voter !== claimant) return { reason: 'confirm' }
  return {}
}

/** Emits a step event for every job step the cache id stands for. */
export function stepEvent (
  core: Core,
  out: Outbox,
  item: WorkItem | undefined,
  cacheId: string,
  state: StepState | 'ABORTED' | 'LOST',
  node: PeerId,
  epoch: number,
  now: number,
  extra: { waitedMs?: number, durationMs?: number, errorTail?: string, reason?: string } = {}
): void {
  out.event({
    kind: 'step',
    at: now,
    cacheId,
    refs: item === undefined ? [] : [...item.refs],
    state,
    node,
    epoch,
    attempt: core.book.failuresOf(cacheId).length,
    ...extra
  })
}

/** Remembers an answer to a claim so a burst of copies gets one answer; false when already answered recently. */
export function firstAnswer (core: Core, key: string, now: number): boolean {
  const at = core.answered.get(key)
  if (at !== undefined && now - at < core.o.answerDedupeMs) return false
  core.answered.set(key, now)
  return true
}

/** Counts a step this node ran that another node ran too: once per step, however this node learns it. */
export function countDuplicate (core: Core, cacheId: string): void {
  if (core.duplicatesCounted.has(cacheId)) return
  core.duplicatesCounted.add(cacheId)
  core.metrics.duplicateExecutions += 1
}

/** The one-way delay that decides this node's waits: the slowest live peer's. */
export function oneWayDelay (core: Core, now: number): number {
  const live: PeerId[] = []
  for (const m of core.members.values()) if (m.state === 'alive') live.push(m.peerId)
  return core.timing.oneWay(live, now)
}

/** The settle window for a claim made now. */
export function settleMs (core: Core, now: number): number {
  return core.timing.settleMs(oneWayDelay(core, now))
}

/** The wait between one rank and the next, now. */
export function rankDelayMs (core: Core, now: number): number {
  return core.timing.rankDelayMs(oneWayDelay(core, now))
}

/**
 * A takeover waits longer than a plain claim: long enough for the holder it
 * replaces, if alive after all, to hear the claim and refute it.
 */
export function refuteWaitMs (core: Core, now: number): number {
  return 2 * settleMs(core, now)
}
