import { AbortedError, errorMessage, errorName } from '../errors.ts'
import { DialFailedError } from './errors.ts'
import { parseMultiaddr } from './libp2p-options.ts'
import { ComponentRun, systemClock } from '../lifecycle/index.ts'
import type { AbortOptions, Clock, Scheduler, Startable } from '../lifecycle/index.ts'
import type { Logger } from '../log.ts'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A bootstrap connection that lasted less than this counts as a failed attempt for the backoff. */
const STABLE_CONNECTION_MS = 10_000

export type DialerLibp2p = Pick<Libp2p, 'dial' | 'peerId' | 'getMultiaddrs' | 'getConnections' | 'addEventListener' | 'removeEventListener'>

export interface DialOptions extends AbortOptions {
  timeoutMs: number
}

/**
 * Dials one address, with or without `/p2p/<id>` (without, the peer id is
 * learnt in the handshake), bounded by a timeout. Errors name the address.
 */
export async function dialAddress (libp2p: DialerLibp2p, address: string | Multiaddr, options: DialOptions): Promise<Connection> {
  const ma = parseMultiaddr(address, 'dial address')
  const timeout = AbortSignal.timeout(options.timeoutMs)
  const signal = options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
  try {
    return await libp2p.dial(ma, { signal })
  } catch (err: unknown) {
    if (options.signal?.aborted === true) throw new AbortedError(`aborted while dialling ${ma}`, { address: ma.toString() }, { cause: err })
    const why = timeout.aborted ? `no answer within ${options.timeoutMs} ms` : (errorMessage(err) ?? String(err))
    // On a private network a peer with another swarm key resets the connection during the handshake.
    const hint = errorName(err) === 'EncryptionFailedError' ? `; the encrypted handshake failed: most often the two nodes have different swarm keys (give this one the cluster's: artdag init --swarm-key FILE --replace-swarm-key)` : ''
    throw new DialFailedError(`cannot connect to ${ma}: ${why}${hint}`, { address: ma.toString() }, { cause: err })
  }
}

/**
 * What the dialer knows of one bootstrap address, for `artdag status`: one
 * entry per configured address (this node's own left out), replaced in place,
 * so it never grows. Times are wall-clock milliseconds since the epoch.
 */
export interface BootstrapAddressState {
  address: string
  /** Connected now, to `peer`. */
  connected: boolean
  /** The peer it is connected to (null when not connected). */
  peer: string | null
  /** When it became connected, or when it stopped being (the start, a failure after a connection, a disconnection). */
  since: number
  /** The last failed attempt: the dialer's message (with its hint) and when. */
  lastError: { message: string, at: number } | null
  /** Failed attempts since the last connection that held (one that closed within 10 s counts as a failed attempt). */
  failures: number
  /** When the next attempt is due (null while connected or while dialling). */
  nextAttemptAt: number | null
}

export interface BootstrapDialerInit {
  addresses: Array<string | Multiaddr>
  dialTimeoutMs: number
  /** @default 500 */
  initialBackoffMs?: number
  /** @default 30_000 */
  maxBackoffMs?: number
  /** Called after each successful bootstrap connection (the node looks up its neighbours then). */
  onConnect?: (peer: PeerId) => void
}

/**
 * Keeps the node connected to its bootstrap addresses: dials each one, with
 * exponential backoff (and jitter) between failed attempts, and dials again
 * when the peer disconnects, until stop(). libp2p's own bootstrap module
 * needs `/p2p/<id>` in every address and dials only once.
 */
export class BootstrapDialer implements Startable {
  readonly #libp2p: DialerLibp2p
  readonly #log: Logger
  readonly #addresses: Multiaddr[]
  readonly #dialTimeoutMs: number
  readonly #initialBackoffMs: number
  readonly #maxBackoffMs: number
  readonly #onConnect: ((peer: PeerId) => void) | undefined
  readonly #clock: Clock
  readonly #scheduler: Scheduler | undefined
  #run: ComponentRun | undefined
  readonly #states = new Map<string, BootstrapAddressState>()

  constructor (components: { libp2p: DialerLibp2p, logger: Logger, clock?: Clock | undefined, scheduler?: Scheduler | undefined }, init: BootstrapDialerInit) {
    this.#libp2p = components.libp2p
    this.#clock = components.clock ?? systemClock
    this.#scheduler = components.scheduler
    this.#log = components.logger.forComponent('artdag:node:bootstrap')
    this.#addresses = init.addresses.map(addr => parseMultiaddr(addr, 'bootstrap'))
    this.#dialTimeoutMs = init.dialTimeoutMs
    this.#initialBackoffMs = init.initialBackoffMs ?? 500
    this.#maxBackoffMs = init.maxBackoffMs ?? 30_000
    this.#onConnect = init.onConnect
  }

  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.#run !== undefined) return
    const run = this.#run = new ComponentRun({
      name: 'the bootstrap dialer',
      scheduler: this.#scheduler,
      onTaskError: err => {
        this.#log.warn({ err }, 'bootstrap dialling failed')
      }
    })
    this.#states.clear()
    for (const addr of this.#addresses.filter(a => !this.#isSelf(a))) {
      this.#states.set(addr.toString(), { address: addr.toString(), connected: false, peer: null, since: this.#clock.wallNow(), lastError: null, failures: 0, nextAttemptAt: null })
      run.track(`dial ${addr.toString()}`, this.#keepConnected(addr, run))
    }
  }

  /** Each bootstrap address this node dials (its own left out), in configured order: connected or why not. */
  state (): BootstrapAddressState[] {
    return [...this.#states.values()].map(entry => ({ ...entry, lastError: entry.lastError === null ? null : { ...entry.lastError } }))
  }

  async stop (): Promise<void> {
    const run = this.#run
    this.#run = undefined
    await run?.end()
  }

  async #keepConnected (addr: Multiaddr, run: ComponentRun): Promise<void> {
    const signal = run.signal
    const key = addr.toString()
    let backoff = this.#initialBackoffMs
    /** Sleeps the jittered backoff, with the next attempt's time in the address's state, and doubles it. */
    const wait = async (): Promise<void> => {
      const delay = jitter(backoff)
      this.#update(key, { nextAttemptAt: Math.round(this.#clock.wallNow() + delay) })
      await run.sleep(delay)
      this.#update(key, { nextAttemptAt: null })
      backoff = Math.min(backoff * 2, this.#maxBackoffMs)
    }
    while (!signal.aborted) {
      try {
        const connection = await dialAddress(this.#libp2p, addr, { timeoutMs: this.#dialTimeoutMs, signal })
        this.#log.info({ address: key, peer: connection.remotePeer.toString() }, 'connected to bootstrap peer')
        const failuresBefore = this.#states.get(key)?.failures ?? 0
        this.#update(key, { connected: true, peer: connection.remotePeer.toString(), since: this.#clock.wallNow(), lastError: null, failures: 0 })
        this.#onConnect?.(connection.remotePeer)
        const connectedAt = this.#clock.now()
        await this.#disconnected(connection.remotePeer, signal)
        if (signal.aborted) return
        const at = this.#clock.wallNow()
        const lastedMs = this.#clock.now() - connectedAt
        this.#update(key, { connected: false, peer: null, since: at })
        // A peer that hangs up at once (it does not allow us, say) must not be redialled in a tight loop.
        if (lastedMs >= STABLE_CONNECTION_MS) {
          backoff = this.#initialBackoffMs
        } else {
          // It did not hold: the count goes on from before it, so that hang-ups add up.
          this.#update(key, { failures: failuresBefore })
          this.#failed(key, `the connection to ${connection.remotePeer} at ${key} closed ${Math.round(lastedMs)} ms after it opened (it stopped, or it does not allow this node: its node.allowPeers)`, at)
          await wait()
        }
      } catch (err: unknown) {
        if (signal.aborted) return
        const failures = this.#failed(key, errorMessage(err) ?? String(err), this.#clock.wallNow())
        // The first failure is worth a warning; a peer that stays down is only debug noise.
        const level = failures === 1 ? 'warn' : 'debug'
        this.#log[level]({ address: key, err, retryInMs: backoff }, 'bootstrap dial failed')
        await wait()
      }
    }
  }

  /** Notes a failed attempt (or a connection that closed at once) in the address's state; the failures since its last connection. */
  #failed (key: string, message: string, at: number): number {
    const failures = (this.#states.get(key)?.failures ?? 0) + 1
    this.#update(key, { lastError: { message, at }, failures })
    return failures
  }

  #update (key: string, change: Partial<BootstrapAddressState>): void {
    const entry = this.#states.get(key)
    if (entry !== undefined) this.#states.set(key, { ...entry, ...change })
  }

  /** Resolves when the peer's last connection closes, or on shutdown. */
  async #disconnected (peer: PeerId, signal: AbortSignal): Promise<void> {
    const done = Promise.withResolvers<void>()
    const onDisconnect = (event: CustomEvent<PeerId>): void => {
      if (event.detail.equals(peer)) done.resolve()
    }
    const onAbort = (): void => {
      done.resolve()
    }
    this.#libp2p.addEventListener('peer:disconnect', onDisconnect)
    signal.addEventListener('abort', onAbort, { once: true })
    // It may have closed before the listener was in place.
    if (this.#libp2p.getConnections(peer).length === 0) done.resolve()
    try {
      await done.promise
    } finally {
      this.#libp2p.removeEventListener('peer:disconnect', onDisconnect)
      signal.removeEventListener('abort', onAbort)
    }
  }

  /** A cluster-wide bootstrap list may include this node's own address. */
  #isSelf (addr: Multiaddr): boolean {
    const peer = addr.getComponents().find(c => c.name === 'p2p')?.value
    if (peer != null) return peer === this.#libp2p.peerId.toString()
    const own = this.#libp2p.getMultiaddrs().map(ma => stripPeer(ma))
    return own.includes(addr.toString())
  }
}

/** ±25 %, so nodes restarted together do not redial in lockstep. */
function jitter (ms: number): number {
  return ms * (0.75 + Math.random() * 0.5)
}

function stripPeer (ma: Multiaddr): string {
  const text = ma.toString()
  const at = text.indexOf('/p2p/')
  return at === -1 ? text : text.slice(0, at)
}
