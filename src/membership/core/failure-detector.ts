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
  member: { heardAt: number | undefined, learnedAt: number },
  now: number,
  timings: MembershipTimings
): MemberState {
  if (member.heardAt === undefined) {
    return now - member.learnedAt >= timings.deadAfterMs ? 'dead' : 'suspect'
  }
  const silence = now - member.heardAt
  if (silence >= timings.deadAfterMs) return 'dead'
  if (silence >= timings.suspectAfterMs) return 'suspect'
  return 'alive'
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
