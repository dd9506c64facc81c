import type { Heartbeat, NodeRecord } from '../../protocol/index.ts'

/**
 * The membership vocabulary shared by the pure core and its adapters. All
 * times are milliseconds on the local wall clock (`Date.now()` in the
 * adapters); the core never reads a clock itself.
 */
export type MemberState = 'alive' | 'suspect' | 'dead'

/** Where this node's knowledge of a member comes from. */
export type MemberSource =
  | 'self' // this node
  | 'heartbeat' // at least one heartbeat from it arrived since this node started
  | 'registry' // only known from an IPNS registry document (ours or a peer's)

export interface Member {
  peerId: string
  state: MemberState
  source: MemberSource
  /** The newest record known (highest `seq`), from a heartbeat or a registry. */
  record: NodeRecord
  /** The member's own signature over `record` (undefined only for records that never crossed the wire, such as a simulator's). */
  signature?: string | undefined
  /** The last heartbeat received from it since this node started (live state: load, leases, jobs). */
  heartbeat: Heartbeat | undefined
  /** When the last accepted heartbeat arrived; undefined while only known from a registry. */
  heardAt: number | undefined
  /** When this node first learned of it. */
  learnedAt: number
  /** The last time anyone heard a heartbeat from it (the newest of ours and the registries'). */
  lastSeen: number
  /** When `state` last changed. */
  stateSince: number
}

export type MembershipEvent =
  | { type: 'joined', peerId: string, source: Exclude<MemberSource, 'self'>, at: number }
  | { type: MemberState, peerId: string, previous: MemberState | undefined, at: number }
  | { type: 'forgotten', peerId: string, at: number }

export type MembershipEventType = MembershipEvent['type']

/** The failure detector's timings. */
export interface MembershipTimings {
  /**
   * How often members publish heartbeats.
   *
   * @default 2000
   */
  heartbeatIntervalMs: number
  /**
   * A member not heard from for this long is suspect (three missed heartbeats).
   *
   * @default 6000
   */
  suspectAfterMs: number
  /**
   * A member not heard from for this long is dead. A member known only from a
   * registry is dead this long after it was learned, unless a heartbeat came.
   *
   * @default 15000
   */
  deadAfterMs: number
  /**
   * A dead member unseen for this long is dropped from the table and the registry.
   *
   * @default 604800000 (7 days)
   */
  forgetAfterMs: number
}

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 3_000
export const DEFAULT_SUSPECT_AFTER_MS = 9_000
export const DEFAULT_DEAD_AFTER_MS = 20_000
export const DEFAULT_FORGET_AFTER_MS = 7 * 24 * 60 * 60 * 1000

/**
 * A record whose `seq` or `sentAt` is further than this ahead of our wall clock is refused: no
 * honest clock is a day off, and a value far in the future would make every later heartbeat of
 * that node look stale (or, about ourselves, push our own sequence out of range).
 */
export const DEFAULT_MAX_CLOCK_AHEAD_MS = 24 * 60 * 60 * 1000

/** Why a record (from a heartbeat or a registry document) was not taken in. */
export type RecordRefusal =
  | 'bad_signature' // no signature, or not the signature of the record's own peer id
  | 'future' // seq or sentAt more than maxClockAheadMs ahead of our wall clock
  | 'not_allowed' // membership.allowPeers is set and does not list the peer

export const DEFAULT_TIMINGS: Readonly<MembershipTimings> = {
  heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
  suspectAfterMs: DEFAULT_SUSPECT_AFTER_MS,
  deadAfterMs: DEFAULT_DEAD_AFTER_MS,
  forgetAfterMs: DEFAULT_FORGET_AFTER_MS
}

/**
 * The `membership:` config section's defaults (config/default.yaml is checked against them): the
 * timings, and `allowPeers` (empty: any peer holding the swarm key can be a member).
 */
export const MEMBERSHIP_DEFAULTS = {
  ...DEFAULT_TIMINGS,
  allowPeers: [] as string[]
}
