import type { Heartbeat } from '../../protocol/index.ts'
import type { Member } from './types.ts'

/**
 * The heartbeat pace (docs/MEMBERSHIP.md "An idle node's slower heartbeat"), pure: no I/O,
 * times passed in. Each heartbeat announces when the next one comes (`nextInMs`): the configured
 * interval while the node has work in flight or had some within the last idle interval, the idle
 * interval otherwise. Receivers suspect a member after three announced intervals.
 *
 * Two rules keep lost heartbeats as harmless as before:
 * - the first two heartbeats that announce a longer interval are still followed after the
 *   shorter one, so a receiver that missed one or both hears the next on the old pace;
 * - work that arrives while the last heartbeat announced the idle interval asks for a heartbeat
 *   at once (`work` answers true), announcing the configured interval again.
 */
export interface PaceInit {
  /** The configured interval (`membership.heartbeatIntervalMs`). */
  intervalMs: number
  /** The interval while nothing is in flight (at least `intervalMs`). */
  idleIntervalMs: number
}

export interface PaceDecision {
  /** What the heartbeat announces: its sender's next one comes within this. */
  nextInMs: number
  /** When to send the next one (never later than announced). */
  delayMs: number
}

/** How many heartbeats announcing the idle interval still come at the configured pace: two lost ones in a row cost no more than before. */
const STRETCHED_AT_OLD_PACE = 2

export class HeartbeatPace {
  readonly intervalMs: number
  readonly idleIntervalMs: number
  #announced: number
  #workAt = -Infinity
  /** Heartbeats in a row that announced the idle interval (the last one included). */
  #stretched = 0

  constructor (init: PaceInit) {
    this.intervalMs = init.intervalMs
    this.idleIntervalMs = Math.max(init.intervalMs, init.idleIntervalMs)
    this.#announced = init.intervalMs
  }

  /** What our last heartbeat announced (the configured interval before the first). */
  get announced (): number {
    return this.#announced
  }

  /**
   * Work arrived at `now` (a job, a lease or job message, a claim of ours). True when our last
   * heartbeat announced a longer interval than the configured one: publish one at once.
   */
  work (now: number): boolean {
    this.#workAt = now
    return this.#announced > this.intervalMs
  }

  /** For a heartbeat built at `now`: what it announces, and when the next is due. */
  next (now: number, inFlight: boolean): PaceDecision {
    const idle = !inFlight && now - this.#workAt >= this.idleIntervalMs
    const nextInMs = idle ? this.idleIntervalMs : this.intervalMs
    this.#stretched = nextInMs > this.intervalMs ? this.#stretched + 1 : 0
    // The first two that announce the idle interval are still followed at the configured pace.
    const delayMs = this.#stretched > 0 && this.#stretched <= STRETCHED_AT_OLD_PACE ? this.intervalMs : nextInMs
    this.#announced = nextInMs
    return { nextInMs, delayMs }
  }
}

/** Work in flight: a lease held, a step running, or a job running (coordinated here or anywhere we know of). */
export function hasWorkInFlight (state: Pick<Heartbeat, 'leases' | 'jobs'> & { load: Pick<Heartbeat['load'], 'runningSteps'> }): boolean {
  return state.leases.length > 0 || state.load.runningSteps > 0 || state.jobs.some(job => job.state === 'running')
}

/**
 * Whether every live peer's last heartbeat announced its interval (`nextInMs`): only then may this
 * node stretch its own. A node from before the field waits its own interval for ours, so a stretched
 * pace would have it suspect us after one lost heartbeat and republish early every interval; a
 * peer not heard yet (known from a registry) counts as one that does not announce.
 */
export function everyPeerAnnounces (members: ReadonlyArray<Pick<Member, 'state' | 'source' | 'heartbeat'>>): boolean {
  return members.every(m => m.source === 'self' || m.state !== 'alive' || m.heartbeat?.nextInMs !== undefined)
}
