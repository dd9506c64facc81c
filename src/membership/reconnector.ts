import { multiaddr } from '@multiformats/multiaddr'
import type { Membership } from './membership.ts'
import type { MembershipMetrics } from './metrics.ts'
import { ComponentRun, systemClock } from '../lifecycle/index.ts'
import type { AbortOptions, Clock, Scheduler, Startable } from '../lifecycle/index.ts'
import type { Logger } from '../log.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * Keeps this node connected to the members it knows: every interval (and soon
 * after a member joins the table) it dials members that are not connected, at
 * their recorded addresses. Bounded: a few dials at a time, each with a
 * timeout, and an exponential backoff per member that resets on success.
 * Alive and suspect members go first; dead ones are still tried, at the
 * backoff's pace, so a partition or a restart heals by itself.
 */
export interface ReconnectorInit {
  /** @default 5000 */
  intervalMs?: number
  /** @default 10000 */
  dialTimeoutMs?: number
  /** @default 4 */
  maxConcurrentDials?: number
  /** @default 1000 */
  backoffInitialMs?: number
  /** @default 300000 */
  backoffMaxMs?: number
}

export const DEFAULT_RECONNECT_INTERVAL_MS = 5_000
export const DEFAULT_RECONNECT_DIAL_TIMEOUT_MS = 10_000
export const DEFAULT_MAX_CONCURRENT_DIALS = 4
export const DEFAULT_BACKOFF_INITIAL_MS = 1_000
export const DEFAULT_BACKOFF_MAX_MS = 300_000

/** The dialer the reconnector drives (libp2p's, through `libp2pDialer`). */
export interface MemberDialer {
  isConnected: (peerId: string) => boolean
  /** Dials the peer at these addresses (each ends in `/p2p/<peerId>`). */
  dial: (peerId: string, addrs: Multiaddr[], options: { signal: AbortSignal }) => Promise<void>
}

export interface ReconnectorComponents {
  membership: Membership
  dialer: MemberDialer
  metrics: MembershipMetrics
  logger: Logger
  /** @default systemClock */
  clock?: Clock | undefined
  /** @default systemScheduler */
  scheduler?: Scheduler | undefined
}

interface Backoff {
  failures: number
  nextAt: number
}

const STATE_ORDER = { alive: 0, suspect: 1, dead: 2 }

export class Reconnector implements Startable {
  readonly #c: ReconnectorComponents
  readonly #log: Logger
  readonly #intervalMs: number
  readonly #dialTimeoutMs: number
  readonly #maxDials: number
  readonly #backoffInitialMs: number
  readonly #backoffMaxMs: number
  readonly #backoff = new Map<string, Backoff>()
  readonly #dialing = new Map<string, Promise<void>>()
  readonly #clock: Clock
  #soon = false
  #run: ComponentRun | undefined
  #unsubscribe: (() => void) | undefined

  constructor (components: ReconnectorComponents, init: ReconnectorInit = {}) {
    this.#c = components
    this.#log = components.logger.forComponent('artdag:reconnect')
    this.#clock = components.clock ?? systemClock
    this.#intervalMs = init.intervalMs ?? DEFAULT_RECONNECT_INTERVAL_MS
    this.#dialTimeoutMs = init.dialTimeoutMs ?? DEFAULT_RECONNECT_DIAL_TIMEOUT_MS
    this.#maxDials = init.maxConcurrentDials ?? DEFAULT_MAX_CONCURRENT_DIALS
    this.#backoffInitialMs = init.backoffInitialMs ?? DEFAULT_BACKOFF_INITIAL_MS
    this.#backoffMaxMs = init.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS
  }

  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.#run !== undefined) return
    this.#run = new ComponentRun({
      name: 'the reconnector',
      scheduler: this.#c.scheduler,
      onTaskError: err => {
        this.#log.debug({ err }, 'member dial failed')
      }
    })
    this.#run.every(this.#intervalMs, () => {
      this.runOnce()
    })
    this.#unsubscribe = this.#c.membership.onEvent(event => {
      if (event.type === 'joined') this.#runSoon()
      if (event.type === 'forgotten') this.#backoff.delete(event.peerId)
    })
    this.#runSoon()
  }

  async stop (): Promise<void> {
    const run = this.#run
    if (run === undefined) return
    this.#run = undefined
    this.#soon = false
    this.#unsubscribe?.()
    await run.end()
    await Promise.allSettled(this.#dialing.values())
  }

  /** Starts dials to the members that need one, up to the concurrency bound. */
  runOnce (): void {
    const shutdown = this.#run
    if (shutdown === undefined) return
    const now = this.#clock.wallNow()
    const candidates = this.#c.membership.members()
      .filter(m => m.source !== 'self' && m.record.addrs.length > 0 && !this.#dialing.has(m.peerId))
      .filter(m => (this.#backoff.get(m.peerId)?.nextAt ?? 0) <= now)
      .filter(m => !this.#c.dialer.isConnected(m.peerId))
      .sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state])
    for (const member of candidates) {
      if (this.#dialing.size >= this.#maxDials) break
      const addrs = toDialAddrs(member.peerId, member.record.addrs)
      if (addrs.length === 0) continue
      const dial = this.#dial(member.peerId, addrs, shutdown.signal).finally(() => {
        this.#dialing.delete(member.peerId)
      })
      this.#dialing.set(member.peerId, dial)
    }
  }

  async #dial (peerId: string, addrs: Multiaddr[], shutdown: AbortSignal): Promise<void> {
    const signal = AbortSignal.any([shutdown, AbortSignal.timeout(this.#dialTimeoutMs)])
    try {
      await this.#c.dialer.dial(peerId, addrs, { signal })
      this.#backoff.delete(peerId)
      this.#c.metrics.reconnects.inc({ result: 'ok' })
      this.#log.debug({ peer: peerId }, 'reconnected to member')
    } catch (err: unknown) {
      if (shutdown.aborted) return
      const failures = (this.#backoff.get(peerId)?.failures ?? 0) + 1
      const delay = Math.min(this.#backoffMaxMs, this.#backoffInitialMs * 2 ** (failures - 1))
      // Jitter spreads the retries of nodes that lost the same member at the same time.
      this.#backoff.set(peerId, { failures, nextAt: this.#clock.wallNow() + delay * (0.75 + Math.random() * 0.5) })
      this.#c.metrics.reconnects.inc({ result: 'error' })
      this.#log.debug({ peer: peerId, failures, err }, 'member dial failed')
    }
  }

  #runSoon (): void {
    const run = this.#run
    if (this.#soon || run === undefined) return
    this.#soon = true
    run.after(0, () => {
      this.#soon = false
      this.runOnce()
    })
  }
}

/** The member's recorded addresses, each ending in its `/p2p/<id>` so the dial checks who answers. */
export function toDialAddrs (peerId: string, addrs: string[]): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const addr of addrs) {
    try {
      out.push(multiaddr(`${addr.replace(/\/p2p\/[^/]+$/, '')}/p2p/${peerId}`))
    } catch {
      // A record with an address we cannot parse: skip that address, keep the others.
    }
  }
  return out
}
