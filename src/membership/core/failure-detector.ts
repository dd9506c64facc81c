import { InvalidArgumentError } from '../../errors.ts'
import { DEFAULT_TIMINGS } from './types.ts'
import type { MemberState, MembershipTimings } from './types.ts'

/**
 * A timeout failure detector: the state follows from how long the member has
 * been silent, measured on the receiver's clock (never the sender's `sentAt`,
 * so clock skew between machines does not matter).
 *
 * A member heard from directly goes alive → suspect → dead. A member known
 * only from a registry is older knowledge: it starts suspect and is dead once
 * `deadAfterMs` has passed since it was learned without a heartbeat.
 */
export function detectState (
  member: { heardAt: number | undefined, learnedAt: number, heartbeat?: { nextInMs?: number | undefined } | undefined },
  now: number,
  timings: MembershipTimings
): MemberState {
  if (member.heardAt === undefined) {
    return now - member.learnedAt >= timings.deadAfterMs ? 'dead' : 'suspect'
  }
  const silence = now - member.heardAt
  const bounds = silenceBounds(announcedIntervalMs(member.heartbeat?.nextInMs, timings.heartbeatIntervalMs), timings)
  if (silence >= bounds.deadAfterMs) return 'dead'
  if (silence >= bounds.suspectAfterMs) return 'suspect'
  return 'alive'
}

/**
 * How many times our own `heartbeatIntervalMs` a member may announce (`nextInMs`) and be waited
 * for: an idle node stretches its interval to at most this (docs/MEMBERSHIP.md "An idle node's
 * slower heartbeat").
 */
export const MAX_INTERVAL_STRETCH = 2

/**
 * The interval a member's last heartbeat announced (`nextInMs`), as this node waits for it: its
 * own interval when none was announced (an older node) or a shorter one, at most
 * `MAX_INTERVAL_STRETCH` times it.
 */
export function announcedIntervalMs (nextInMs: number | undefined, intervalMs: number): number {
  if (nextInMs === undefined) return intervalMs
  return Math.min(Math.max(nextInMs, intervalMs), MAX_INTERVAL_STRETCH * intervalMs)
}

/**
 * The silences after which a member that announced `announcedMs` is suspect and dead: the
 * configured `suspectAfterMs` scaled with the interval (three announced intervals at the shipped
 * timings), and `deadAfterMs` later by as much as the suspicion (the time a suspect has to come
 * back stays the same). At the configured interval, the configured timings.
 */
export function silenceBounds (announcedMs: number, timings: MembershipTimings): { suspectAfterMs: number, deadAfterMs: number } {
  if (announcedMs <= timings.heartbeatIntervalMs) return { suspectAfterMs: timings.suspectAfterMs, deadAfterMs: timings.deadAfterMs }
  const suspectAfterMs = Math.round(timings.suspectAfterMs * announcedMs / timings.heartbeatIntervalMs)
  return { suspectAfterMs, deadAfterMs: timings.deadAfterMs + suspectAfterMs - timings.suspectAfterMs }
}

/** Fills in defaults and checks the order interval < suspect < dead <= forget. */
export function resolveTimings (init: Partial<MembershipTimings> = {}): MembershipTimings {
  const t: MembershipTimings = { ...DEFAULT_TIMINGS }
  for (const [key, value] of Object.entries(init) as Array<[keyof MembershipTimings, number | undefined]>) {
    if (value !== undefined) t[key] = value
  }
  for (const [key, value] of Object.entries(t)) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new InvalidArgumentError(`membership timing ${key} must be a positive number of milliseconds, got ${value}`, { key, value })
    }
  }
  if (t.suspectAfterMs <= t.heartbeatIntervalMs) {
    throw new InvalidArgumentError(`membership timing suspectAfterMs (${t.suspectAfterMs}) must be longer than heartbeatIntervalMs (${t.heartbeatIntervalMs})`, { key: 'suspectAfterMs' })
  }
  if (t.deadAfterMs <= t.suspectAfterMs) {
    throw new InvalidArgumentError(`membership timing deadAfterMs (${t.deadAfterMs}) must be longer than suspectAfterMs (${t.suspectAfterMs})`, { key: 'deadAfterMs' })
  }
  if (t.forgetAfterMs < t.deadAfterMs) {
    throw new InvalidArgumentError(`membership timing forgetAfterMs (${t.forgetAfterMs}) must not be shorter than deadAfterMs (${t.deadAfterMs})`, { key: 'forgetAfterMs' })
  }
  return t
}
