import { connect } from 'node:net'
import { Direction } from './direction.ts'
import type { LinkPolicy, PairClock } from './policy.ts'
import type { Socket } from 'node:net'

/**
 * One TCP connection through the link: the dialler's socket (accepted by the
 * link) and the link's own connection to the target's private address, with a
 * Direction each way. The upstream connection is made one delay after the
 * accept (the SYN's trip), and only while the route to the target is open: a
 * partitioned dialler's connection waits, as a lost SYN does.
 *
 * Closing follows the sockets: a FIN or a reset travels in order behind the
 * bytes sent before it, and each half is dropped only when its sink is gone.
 */

/** Bytes delivered and connections made between one dialler and one target. */
export interface PairCounters {
  connections: number
  open: number
  /** Bytes delivered from the dialler to the target. */
  bytesFromDialler: number
  /** Bytes delivered from the target to the dialler. */
  bytesFromTarget: number
}

export interface ConnectionInit {
  dialler: string
  target: string
  client: Socket
  /** The target's private address, and the address the link dials it from. */
  upstream: { host: string, port: number, localAddress: string }
  policy: LinkPolicy
  pairClock: (from: string, to: string) => PairClock
  counters: PairCounters
  now: () => number
  random: () => number
  onClosed: (connection: LinkConnection) => void
}

export class LinkConnection {
  readonly dialler: string
  readonly target: string
  readonly #init: ConnectionInit
  readonly #up: Direction
  #down: Direction | undefined
  #server: Socket | undefined
  #dialTimer: NodeJS.Timeout | undefined
  #clientClosed = false
  #serverClosed = false
  #finished = false

  constructor (init: ConnectionInit) {
    this.#init = init
    this.dialler = init.dialler
    this.target = init.target
    const { client, policy, dialler, target } = init
    client.setNoDelay(true)
    this.#up = this.#direction(client, dialler, target, bytes => {
      init.counters.bytesFromDialler += bytes
    })
    client.on('data', (chunk: Buffer) => {
      this.#up.push(chunk)
    })
    client.on('end', () => {
      this.#up.pushEnd()
    })
    client.on('error', () => {
      if (this.#server == null) this.#finish()
      else this.#up.pushReset()
    })
    client.on('close', () => {
      this.#clientClosed = true
      this.#down?.drop()
      if (this.#server == null || this.#serverClosed) this.#finish()
    })
    init.counters.connections++
    init.counters.open++
    if (!policy.held(dialler, target)) this.#dialSoon()
  }

  /** Bytes waiting in either direction. */
  get queuedBytes (): number {
    return this.#up.queuedBytes + (this.#down?.queuedBytes ?? 0)
  }

  /** Applies the policy's partitions now; an upstream connection held back is made once its route opens. */
  applyPolicy (): void {
    const { policy, dialler, target } = this.#init
    this.#up.setHeld(policy.held(dialler, target))
    this.#down?.setHeld(policy.held(target, dialler))
    if (!policy.held(dialler, target)) this.#dialSoon()
  }

  /** Resets both sockets now: the dialler and the target each see a reset connection. */
  cut (): void {
    clearTimeout(this.#dialTimer)
    this.#up.drop()
    this.#down?.drop()
    this.#init.client.resetAndDestroy()
    // A socket still connecting would be reset only once connected.
    if (this.#server?.connecting === true) this.#server.destroy()
    else this.#server?.resetAndDestroy()
    if (this.#server == null) this.#finish()
  }

  #dialSoon (): void {
    if (this.#server != null || this.#dialTimer != null || this.#finished) return
    const { policy, dialler, target } = this.#init
    this.#dialTimer = setTimeout(() => {
      this.#dialTimer = undefined
      if (this.#finished) return
      if (policy.held(dialler, target)) return // partitioned while the SYN travelled: wait for the heal
      this.#dial()
    }, Math.ceil(policy.shape(dialler, target).oneWayMs))
  }

  #dial (): void {
    const { client, upstream, dialler, target, counters } = this.#init
    const server = connect({ host: upstream.host, port: upstream.port, localAddress: upstream.localAddress, allowHalfOpen: true, noDelay: true })
    this.#server = server
    const down = this.#direction(server, target, dialler, bytes => {
      counters.bytesFromTarget += bytes
    })
    this.#down = down
    down.setSink(client)
    server.on('connect', () => {
      this.#up.setSink(server)
    })
    server.on('data', (chunk: Buffer) => {
      down.push(chunk)
    })
    server.on('end', () => {
      down.pushEnd()
    })
    // Refused or reset by the target: the dialler sees a reset, one delay later.
    server.on('error', () => {
      down.pushReset()
    })
    server.on('close', () => {
      this.#serverClosed = true
      this.#up.drop()
      if (this.#clientClosed) this.#finish()
    })
  }

  #direction (source: Socket, from: string, to: string, onDelivered: (bytes: number) => void): Direction {
    const { policy, now, random, pairClock } = this.#init
    return new Direction({ source, now, random, pair: pairClock(from, to), shape: () => policy.shape(from, to), held: policy.held(from, to), onDelivered })
  }

  #finish (): void {
    if (this.#finished) return
    this.#finished = true
    clearTimeout(this.#dialTimer)
    this.#up.drop()
    this.#down?.drop()
    if (!this.#init.client.destroyed) this.#init.client.destroy()
    this.#init.counters.open--
    this.#init.onClosed(this)
  }
}
