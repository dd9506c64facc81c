import type { PeerId } from './rendezvous.ts'

/**
 * The protocol's waits follow the network. Exclusivity needs every claim to
 * reach the others within half the settle window, and rank delays must let the
 * better-ranked claim arrive before the next rank acts: both are a round trip
 * plus a margin. A fixed 10 ms holds on loopback and fails across a tailnet
 * (25 ms each way ran a third of contested steps twice), so the settle window
 * and the rank delay are derived from measured round trips to each peer: the
 * highest of each peer's recent samples (a high percentile of a small window),
 * the slowest live peer deciding, one and a half round trips plus a margin,
 * never below the configured floors and never above the cap. Until a live peer has been measured, its delay is assumed to
 * be `unknownOneWayMs` (being slow at first is cheaper than running twice).
 */
export interface NetworkTimingInit {
  /** The smallest settle window (the configured `lease.settleMs`). */
  settleFloorMs: number
  /** The smallest rank delay (the configured `lease.rankDelayMs`). */
  rankDelayFloorMs: number
  /** Neither wait ever exceeds this, whatever the samples say. */
  maxWaitMs: number
  /** Added to two one-way delays: processing on both ends. */
  marginMs: number
  /** The one-way delay assumed for a live peer not measured yet. */
  unknownOneWayMs: number
  /** Samples kept per peer (the highest of them counts). */
  window: number
  /** Samples older than this are dropped (the network changes). */
  maxSampleAgeMs: number
}

export const DEFAULT_MAX_WAIT_MS = 2000
export const DEFAULT_TIMING_MARGIN_MS = 5
export const DEFAULT_UNKNOWN_ONE_WAY_MS = 50
export const DEFAULT_TIMING_WINDOW = 32
export const DEFAULT_MAX_SAMPLE_AGE_MS = 10 * 60_000

interface Sample {
  rttMs: number
  at: number
}

export class NetworkTiming {
  readonly #o: NetworkTimingInit
  readonly #samples = new Map<PeerId, Sample[]>()

  constructor (init: NetworkTimingInit) {
    this.#o = init
  }

  /** A measured round trip to `peer` (a ping, or a request and its answer), in ms. */
  observe (peer: PeerId, rttMs: number, now: number): void {
    if (!Number.isFinite(rttMs) || rttMs < 0) return
    let list = this.#samples.get(peer)
    if (list === undefined) {
      list = []
      this.#samples.set(peer, list)
    }
    list.push({ rttMs, at: now })
    if (list.length > this.#o.window) list.splice(0, list.length - this.#o.window)
  }

  forget (peer: PeerId): void {
    this.#samples.delete(peer)
  }

  /** The one-way delay to `peer` (half its highest recent round trip), or undefined when not measured. */
  oneWayTo (peer: PeerId, now: number): number | undefined {
    const list = this.#samples.get(peer)
    if (list === undefined) return undefined
    while (list.length > 0 && now - (list[0] as Sample).at > this.#o.maxSampleAgeMs) list.shift()
    if (list.length === 0) {
      this.#samples.delete(peer)
      return undefined
    }
    let max = 0
    for (const s of list) if (s.rttMs > max) max = s.rttMs
    return max / 2
  }

  /** The delay that decides the waits: the slowest of `peers` (the live ones). */
  oneWay (peers: Iterable<PeerId>, now: number): number {
    let worst = 0
    for (const peer of peers) {
      const d = this.oneWayTo(peer, now) ?? this.#o.unknownOneWayMs
      if (d > worst) worst = d
    }
    return Math.min(worst, this.#o.maxWaitMs)
  }

  /** After a claim, wait this long for a better competing one before starting. */
  settleMs (oneWayMs: number): number {
    return this.#bounded(this.#o.settleFloorMs, oneWayMs)
  }

  /** The wait between one rank and the next. */
  rankDelayMs (oneWayMs: number): number {
    return this.#bounded(this.#o.rankDelayFloorMs, oneWayMs)
  }

  /**
   * A claim must arrive within half the window: two one-way delays. Paths are
   * not always symmetric (half of the round trip is an average), so the window
   * is three of them, one and a half round trips, plus the margin.
   */
  #bounded (floor: number, oneWayMs: number): number {
    return Math.max(floor, Math.min(this.#o.maxWaitMs, 3 * oneWayMs + this.#o.marginMs))
  }

  /** Peers measured, with their current one-way estimate (for status and metrics). */
  snapshot (now: number): Array<{ peer: PeerId, oneWayMs: number, samples: number }> {
    const out: Array<{ peer: PeerId, oneWayMs: number, samples: number }> = []
    for (const peer of this.#samples.keys()) {
      const d = this.oneWayTo(peer, now)
      if (d !== undefined) out.push({ peer, oneWayMs: d, samples: this.#samples.get(peer)?.length ?? 0 })
    }
    return out
  }
}
