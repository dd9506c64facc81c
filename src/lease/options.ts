import { LeaseOptionsError } from './errors.ts'

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
   * The node ranked r for a step waits r × rankDelayMs before claiming it, so
   * the better-ranked nodes' claims arrive first and work spreads out.
   * @default 50
   */
  rankDelayMs?: number
  /**
   * After publishing a claim, the claimant waits this long for a better
   * competing claim before it starts. Safety needs a message delay below half of it.
   * @default 10
   */
  settleMs?: number
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
}

export const DEFAULT_LEASE_TTL_MS = 6000
export const DEFAULT_RANK_DELAY_MS = 50
export const DEFAULT_SETTLE_MS = 10
export const DEFAULT_REJOIN_MARGIN_MS = 500
export const DEFAULT_MAX_TICK_INTERVAL_MS = 1000

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
    rejoinQuietMs: init.rejoinQuietMs ?? renewIntervalMs + DEFAULT_REJOIN_MARGIN_MS,
    maxTickIntervalMs,
    pauseThresholdMs: init.pauseThresholdMs ?? 2 * maxTickIntervalMs
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
  if (problems.length > 0) throw new LeaseOptionsError(`invalid lease options: ${problems.join('; ')}`)
}
