import { LeaseOptionsError } from './errors.ts'
import { DEFAULT_MAX_WAIT_MS, DEFAULT_UNKNOWN_ONE_WAY_MS } from './network-timing.ts'

/**
 * Timings of the lease protocol. Every node of a cluster must use the same
 * values (they are part of the protocol's contract, like the topic names).
 */
export interface LeaseInit {
  /**
   * A lease lapses when its holder has not been heard (claim, renew or
   * heartbeat) for this long, judged on the observer's own clock.
   * @default 6000
   */
  ttlMs?: number
  /**
   * The holder renews all its leases this often; must leave room for a lost
   * renew or two before `ttlMs` runs out.
   * @default ttlMs / 3
   */
  renewIntervalMs?: number
  /**
   * The node ranked r for a step waits r × the rank delay before claiming it, so
   * the better-ranked nodes' claims arrive first and work spreads out. The rank
   * delay follows measured round trips (src/lease/network-timing.ts); this is its floor.
   * @default 60
   */
  rankDelayMs?: number
  /**
   * After publishing a claim, the claimant waits for a better competing claim
   * before it starts: at least this long, and at least a measured round trip
   * plus a margin (safety needs every claim to arrive within half the window).
   * @default 10
   */
  settleMs?: number
  /**
   * The settle window and the rank delay never exceed this, whatever the
   * measured round trips say.
   * @default 2000
   */
  maxWaitMs?: number
  /**
   * The one-way delay assumed for a live peer whose round trip is not measured yet.
   * @default 50
   */
  unknownOneWayMs?: number
  /**
   * After a start, a restore or a detected pause, a node claims nothing for
   * this long: it must hear the current holders' renewals first.
   * @default renewIntervalMs + 500
   */
  rejoinQuietMs?: number
  /**
   * The adapter is asked to call `tick()` at least this often, even when idle,
   * so that a longer silence can be recognised as a paused process.
   * @default 1000
   */
  maxTickIntervalMs?: number
  /**
   * A gap this long between two inputs means the process was paused (or the
   * event loop stalled): the node stops judging expiry and goes quiet.
   * @default 2 × maxTickIntervalMs
   */
  pauseThresholdMs?: number
  /**
   * No node holds one step's lease longer than this, renewals or not: a holder
   * still on it then is stuck or hostile, so the others take the step over and
   * ignore that holder's further claims for it. An honest holder never gets
   * there: its own exec.stepTimeoutMs kills the run first (the config requires
   * this to exceed exec.stepTimeoutMs + ttlMs, leaving time to fetch inputs).
   * @default 3600000
   */
  maxHoldMs?: number
}

export const DEFAULT_LEASE_TTL_MS = 6000
export const DEFAULT_RANK_DELAY_MS = 60
export const DEFAULT_SETTLE_MS = 10
export const DEFAULT_REJOIN_MARGIN_MS = 500
export const DEFAULT_MAX_TICK_INTERVAL_MS = 1000
/** Twice the default exec.stepTimeoutMs: room to fetch the inputs of the longest step. */
export const DEFAULT_MAX_HOLD_MS = 3_600_000
/**
 * A claim, renewal or completion whose epoch is this far above the highest one
 * known for its cache id is refused: honest nodes claim one above what they
 * know, so a huge jump is a bug or an attack that would make the step unclaimable.
 */
export const MAX_EPOCH_JUMP = 64
/** How many times a holder re-asserts one running lease against takeovers (refutations). */
export const MAX_REFUTATIONS = 8

/** The config's `lease:` section, under its key names (config/default.yaml holds the same values). */
export const LEASE_DEFAULTS = {
  ttlMs: DEFAULT_LEASE_TTL_MS,
  renewIntervalMs: Math.floor(DEFAULT_LEASE_TTL_MS / 3),
  settleMs: DEFAULT_SETTLE_MS,
  rankDelayMs: DEFAULT_RANK_DELAY_MS,
  maxWaitMs: DEFAULT_MAX_WAIT_MS,
  maxHoldMs: DEFAULT_MAX_HOLD_MS
}

export type LeaseOptions = Readonly<Required<LeaseInit>>

export function resolveLeaseOptions (init: LeaseInit = {}): LeaseOptions {
  const ttlMs = init.ttlMs ?? DEFAULT_LEASE_TTL_MS
  const renewIntervalMs = init.renewIntervalMs ?? Math.floor(ttlMs / 3)
  const maxTickIntervalMs = init.maxTickIntervalMs ?? DEFAULT_MAX_TICK_INTERVAL_MS
  const options = {
    ttlMs,
    renewIntervalMs,
    rankDelayMs: init.rankDelayMs ?? DEFAULT_RANK_DELAY_MS,
    settleMs: init.settleMs ?? DEFAULT_SETTLE_MS,
    maxWaitMs: init.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
    unknownOneWayMs: init.unknownOneWayMs ?? DEFAULT_UNKNOWN_ONE_WAY_MS,
    rejoinQuietMs: init.rejoinQuietMs ?? renewIntervalMs + DEFAULT_REJOIN_MARGIN_MS,
    maxTickIntervalMs,
    pauseThresholdMs: init.pauseThresholdMs ?? 2 * maxTickIntervalMs,
    maxHoldMs: init.maxHoldMs ?? DEFAULT_MAX_HOLD_MS
  }
  checkLeaseOptions(options)
  return options
}

function checkLeaseOptions (o: LeaseOptions): void {
  const problems: string[] = []
  for (const [key, value] of Object.entries(o)) {
    if (!Number.isFinite(value) || value < 0) problems.push(`${key} must be a non-negative number (got ${String(value)})`)
  }
  if (o.ttlMs <= 0) problems.push('ttlMs must be positive')
  if (o.renewIntervalMs <= 0 || o.renewIntervalMs >= o.ttlMs) problems.push(`renewIntervalMs (${o.renewIntervalMs}) must be positive and below ttlMs (${o.ttlMs})`)
  if (o.maxTickIntervalMs <= 0) problems.push('maxTickIntervalMs must be positive')
  if (o.pauseThresholdMs <= o.maxTickIntervalMs) problems.push(`pauseThresholdMs (${o.pauseThresholdMs}) must exceed maxTickIntervalMs (${o.maxTickIntervalMs})`)
  if (o.maxHoldMs <= o.ttlMs) problems.push(`maxHoldMs (${o.maxHoldMs}) must exceed ttlMs (${o.ttlMs})`)
  if (o.maxWaitMs < o.settleMs || o.maxWaitMs < o.rankDelayMs) problems.push(`maxWaitMs (${o.maxWaitMs}) must be at least settleMs and rankDelayMs`)
  if (problems.length > 0) throw new LeaseOptionsError(`invalid lease options: ${problems.join('; ')}`)
}
