import type { Clock, Scheduler, TimerHandle } from '../../lifecycle/index.ts'
import type { Startable } from '../../lifecycle/index.ts'
import { DEFAULT_MAX_SAMPLE_AGE_MS, DEFAULT_TIMING_WINDOW } from '../../lease/index.ts'
import type { PeerId } from '../core/types.ts'
import type { Pending, PortOptions } from './ports.ts'

/**
 * Measures round trips to the live peers, so the lease protocol's waits follow
 * the network (src/lease/network-timing.ts): every `intervalMs` it pings each
 * peer, and a peer that just became alive at once. A ping that gets no answer
 * gives no sample (the peer's silence is membership's business).
 *
 * While the node is quiet (no running job for `quietAfterMs`, no sample that
 * jumped), it pings every `quietIntervalMs` instead: docs/LEASES.md, "Samples",
 * says why the windows stay those of the same number of samples. A node that
 * has had no work at all since its start is quiet sooner, once it holds
 * `quietAfterSamples` samples of every live peer.
 */
export interface PingPort {
  /** Pings `peer`; calls `done` with the round trip in ms, or never if no answer came. */
  ping: (peer: PeerId, done: (rttMs: number) => void, options: PortOptions) => Pending
}

export interface RoundTripMonitorComponents {
  ping: PingPort
  scheduler: Scheduler
  /** Needed with `busy`: when the node last had work. */
  clock?: Pick<Clock, 'now'>
  /**
   * Whether the node has work the waits matter for (a running job). Without it
   * the monitor never slows down.
   */
  busy?: () => boolean
  /** The peers to measure now (the live members). */
  peers: () => PeerId[]
  report: (peer: PeerId, rttMs: number) => void
  onError: (err: unknown, context: string) => void
}

export interface RoundTripMonitorInit {
  /** @default 5000 */
  intervalMs?: number
  /** The interval while quiet. @default DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS */
  quietIntervalMs?: number
  /** Quiet once this long has passed without work or a jump. @default DEFAULT_QUIET_AFTER_MS */
  quietAfterMs?: number
  /**
   * Before any work or jump since the start: quiet once every live peer has this many samples.
   * @default DEFAULT_QUIET_AFTER_SAMPLES
   */
  quietAfterSamples?: number
}

export const DEFAULT_ROUND_TRIP_INTERVAL_MS = 5000
/**
 * The window keeps a peer's last DEFAULT_TIMING_WINDOW (32) samples, none older than
 * DEFAULT_MAX_SAMPLE_AGE_MS (10 min): at one sample per 18 s, 32 samples are 9.6 min old at most,
 * so the window still holds 32 samples and its highest decides, as at 5 s.
 */
export const DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS = Math.floor(DEFAULT_MAX_SAMPLE_AGE_MS / DEFAULT_TIMING_WINDOW / 1000) * 1000
/**
 * 32 samples at 5 s: once this long has passed without work, every sample taken during the work
 * has left the window at the 5 s pace too, and the window holds idle samples either way.
 */
export const DEFAULT_QUIET_AFTER_MS = DEFAULT_TIMING_WINDOW * DEFAULT_ROUND_TRIP_INTERVAL_MS
/**
 * A node that has had no work since its start has no work samples to wait out: it slows down once
 * it holds a quarter of a window of every live peer (40 s at 5 s), the samples a node started 40 s
 * ago already holds when its first job comes; its window then fills at the quiet pace.
 */
export const DEFAULT_QUIET_AFTER_SAMPLES = DEFAULT_TIMING_WINDOW / 4
/** A sample above this many times the highest of the peer's recent ones is a jump. */
const JUMP_FACTOR = 1.5
/** …and above it by at least this much (loopback samples of 1 and 2 ms are not a jump). */
const JUMP_MIN_MS = 5

export class RoundTripMonitor implements Startable {
  readonly #c: RoundTripMonitorComponents
  readonly #intervalMs: number
  readonly #quietIntervalMs: number
  readonly #quietAfterMs: number
  readonly #quietAfterSamples: number
  /** Each peer's recent samples (as many as the window keeps): a higher one is a jump. */
  readonly #recent = new Map<PeerId, number[]>()
  readonly #inFlight = new Set<PeerId>()
  /** Peers pinged at least once (a peer that turns alive again is measured at once, as a new one). */
  readonly #seen = new Set<PeerId>()
  readonly #tasks = new Set<Promise<unknown>>()
  #shutdown = new AbortController()
  #timer: TimerHandle | undefined
  /** When the current timer fires (clock time), and when the last sweep ran. */
  #dueAt = 0
  #sweptAt = 0
  /** Last time the node had work, or a sample jumped (its start counts). */
  #activeAt = 0
  /** Whether it had work or a jump since its start. */
  #worked = false
  #running = false

  constructor (components: RoundTripMonitorComponents, init: RoundTripMonitorInit = {}) {
    this.#c = components
    this.#intervalMs = init.intervalMs ?? DEFAULT_ROUND_TRIP_INTERVAL_MS
    this.#quietIntervalMs = Math.max(this.#intervalMs, init.quietIntervalMs ?? DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS)
    this.#quietAfterMs = init.quietAfterMs ?? DEFAULT_QUIET_AFTER_MS
    this.#quietAfterSamples = init.quietAfterSamples ?? DEFAULT_QUIET_AFTER_SAMPLES
  }

  async start (): Promise<void> {
    if (this.#running) return
    this.#running = true
    this.#shutdown = new AbortController()
    this.#activeAt = this.#now()
    this.#worked = false
    this.#schedule(0)
  }

  async stop (): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.#shutdown.abort()
    this.#c.scheduler.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#recent.clear()
    await Promise.allSettled(this.#tasks)
  }

  /**
   * Work arrived (a job, a lease message): back to `intervalMs` at once, the
   * next sweep when the 5 s pace would have made it.
   */
  active (): void {
    if (!this.#running) return
    this.#activeAt = this.#now()
    this.#worked = true
    const due = Math.max(this.#activeAt, this.#sweptAt + this.#intervalMs)
    if (this.#timer !== undefined && due < this.#dueAt) {
      this.#c.scheduler.clearTimeout(this.#timer)
      this.#schedule(due - this.#activeAt)
    }
  }

  /** Whether the monitor pings at its quiet pace now. */
  get quiet (): boolean {
    if (this.#c.busy === undefined) return false
    if (this.#now() - this.#activeAt >= this.#quietAfterMs) return true
    if (this.#worked) return false
    const peers = this.#c.peers()
    return peers.length > 0 && peers.every(peer => (this.#recent.get(peer)?.length ?? 0) >= this.#quietAfterSamples)
  }

  /**
   * The live peers changed: measures the ones not measured yet at once, so the
   * waits follow a new peer's distance before its first work arrives.
   */
  peersChanged (): void {
    if (!this.#running) return
    const live = new Set(this.#c.peers())
    for (const peer of this.#seen) {
      if (!live.has(peer)) {
        this.#seen.delete(peer)
        this.#recent.delete(peer)
      }
    }
    for (const peer of live) if (!this.#seen.has(peer)) this.probe(peer)
  }

  /** Measures `peer` now, unless a ping to it is under way. */
  probe (peer: PeerId): void {
    if (!this.#running || this.#inFlight.has(peer)) return
    this.#seen.add(peer)
    this.#inFlight.add(peer)
    const done = (rttMs: number): void => {
      this.#inFlight.delete(peer)
      if (!this.#running) return
      this.#sampled(peer, rttMs)
      this.#c.report(peer, rttMs)
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

  /** A sample well above the peer's recent ones: the network or the peer changed, measure at the full pace. */
  #sampled (peer: PeerId, rttMs: number): void {
    let list = this.#recent.get(peer)
    if (list === undefined) {
      list = []
      this.#recent.set(peer, list)
    }
    if (list.length > 0) {
      let highest = 0
      for (const sample of list) if (sample > highest) highest = sample
      if (rttMs > highest * JUMP_FACTOR && rttMs > highest + JUMP_MIN_MS) this.active()
    }
    list.push(rttMs)
    if (list.length > DEFAULT_TIMING_WINDOW) list.shift()
  }

  #sweep (): void {
    if (!this.#running) return
    // A ping that never answered (a port without promises) must not block the next one forever.
    if (this.#tasks.size === 0) this.#inFlight.clear()
    this.#sweptAt = this.#now()
    if (this.#c.busy?.() === true) {
      this.#activeAt = this.#sweptAt
      this.#worked = true
    }
    for (const peer of this.#c.peers()) this.probe(peer)
    this.#schedule(this.quiet ? this.#quietIntervalMs : this.#intervalMs)
  }

  #now (): number {
    return this.#c.clock?.now() ?? 0
  }

  #schedule (ms: number): void {
    this.#dueAt = this.#now() + ms
    this.#timer = this.#c.scheduler.setTimeout(() => {
      this.#timer = undefined
      this.#sweep()
    }, ms)
  }
}
