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
    for (const addr of this.#addresses.filter(a => !this.#isSelf(a))) run.track(`dial ${addr.toString()}`, this.#keepConnected(addr, run))
  }

  async stop (): Promise<void> {
    const run = this.#run
    this.#run = undefined
    await run?.end()
  }

  async #keepConnected (addr: Multiaddr, run: ComponentRun): Promise<void> {
    const signal = run.signal
    let backoff = this.#initialBackoffMs
    let failures = 0
    while (!signal.aborted) {
      try {
        const connection = await dialAddress(this.#libp2p, addr, { timeoutMs: this.#dialTimeoutMs, signal })
        this.#log.info({ address: addr.toString(), peer: connection.remotePeer.toString() }, 'connected to bootstrap peer')
        failures = 0
        this.#onConnect?.(connection.remotePeer)
        const connectedAt = this.#clock.now()
        await this.#disconnected(connection.remotePeer, signal)
        // A peer that hangs up at once (it does not allow us, say) must not be redialled in a tight loop.
        if (this.#clock.now() - connectedAt >= STABLE_CONNECTION_MS) {
          backoff = this.#initialBackoffMs
        } else if (!signal.aborted) {
          await run.sleep(jitter(backoff))
          backoff = Math.min(backoff * 2, this.#maxBackoffMs)
        }
      } catch (err: unknown) {
        if (signal.aborted) return
        failures++
        // The first failure is worth a warning; a peer that stays down is only debug noise.
        const level = failures === 1 ? 'warn' : 'debug'
        this.#log[level]({ address: addr.toString(), err, retryInMs: backoff }, 'bootstrap dial failed')
        await run.sleep(jitter(backoff))
        backoff = Math.min(backoff * 2, this.#maxBackoffMs)
      }
    }
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
