import type { Scheduler, TimerHandle } from '../../lifecycle/index.ts'
import type { Startable } from '../../lifecycle/index.ts'
import type { PeerId } from '../core/types.ts'
import type { Pending, PortOptions } from './ports.ts'

/**
 * Measures round trips to the live peers, so the lease protocol's waits follow
 * the network (src/lease/network-timing.ts): every `intervalMs` it pings each
 * peer, and a peer that just became alive at once. A ping that gets no answer
 * gives no sample (the peer's silence is membership's business).
 */
export interface PingPort {
  /** Pings `peer`; calls `done` with the round trip in ms, or never if no answer came. */
  ping: (peer: PeerId, done: (rttMs: number) => void, options: PortOptions) => Pending
}

export interface RoundTripMonitorComponents {
  ping: PingPort
  scheduler: Scheduler
  /** The peers to measure now (the live members). */
  peers: () => PeerId[]
  report: (peer: PeerId, rttMs: number) => void
  onError: (err: unknown, context: string) => void
}

export interface RoundTripMonitorInit {
  /** @default 5000 */
  intervalMs?: number
}

export const DEFAULT_ROUND_TRIP_INTERVAL_MS = 5000

export class RoundTripMonitor implements Startable {
  readonly #c: RoundTripMonitorComponents
  readonly #intervalMs: number
  readonly #inFlight = new Set<PeerId>()
  /** Peers pinged at least once (a peer that turns alive again is measured at once, as a new one). */
  readonly #seen = new Set<PeerId>()
  readonly #tasks = new Set<Promise<unknown>>()
  #shutdown = new AbortController()
  #timer: TimerHandle | undefined
  #running = false

  constructor (components: RoundTripMonitorComponents, init: RoundTripMonitorInit = {}) {
    this.#c = components
    this.#intervalMs = init.intervalMs ?? DEFAULT_ROUND_TRIP_INTERVAL_MS
  }

  async start (): Promise<void> {
    if (this.#running) return
    this.#running = true
    this.#shutdown = new AbortController()
    this.#schedule(0)
  }

  async stop (): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.#shutdown.abort()
    this.#c.scheduler.clearTimeout(this.#timer)
    this.#timer = undefined
    await Promise.allSettled(this.#tasks)
  }

  /**
   * The live peers changed: measures the ones not measured yet at once, so the
   * waits follow a new peer's distance before its first work arrives.
   */
  peersChanged (): void {
    if (!this.#running) return
    const live = new Set(this.#c.peers())
    for (const peer of this.#seen) if (!live.has(peer)) this.#seen.delete(peer)
    for (const peer of live) if (!this.#seen.has(peer)) this.probe(peer)
  }

  /** Measures `peer` now, unless a ping to it is under way. */
  probe (peer: PeerId): void {
    if (!this.#running || this.#inFlight.has(peer)) return
    this.#seen.add(peer)
    this.#inFlight.add(peer)
    const done = (rttMs: number): void => {
      this.#inFlight.delete(peer)
      if (this.#running) this.#c.report(peer, rttMs)
    }
    let pending: Pending
    try {
      pending = this.#c.ping.ping(peer, done, { signal: this.#shutdown.signal })
    } catch (err: unknown) {
      this.#inFlight.delete(peer)
      this.#c.onError(err, `ping ${peer}`)
      return
    }
    if (pending === undefined) {
      // A port that answers through `done` only (the simulator): forget the ping at the next sweep.
      return
    }
    const task = pending.then(() => {}, (err: unknown) => {
      if (!this.#shutdown.signal.aborted) this.#c.onError(err, `ping ${peer}`)
    }).finally(() => {
      this.#inFlight.delete(peer)
      this.#tasks.delete(task)
    })
    this.#tasks.add(task)
  }

  #sweep (): void {
    if (!this.#running) return
    // A ping that never answered (a port without promises) must not block the next one forever.
    if (this.#tasks.size === 0) this.#inFlight.clear()
    for (const peer of this.#c.peers()) this.probe(peer)
    this.#schedule(this.#intervalMs)
  }

  #schedule (ms: number): void {
    this.#timer = this.#c.scheduler.setTimeout(() => {
      this.#timer = undefined
      this.#sweep()
    }, ms)
  }
}
