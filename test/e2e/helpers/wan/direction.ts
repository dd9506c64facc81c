import { deliveryTime } from './policy.ts'
import type { DirectionClock, PairClock, Shape } from './policy.ts'
import type { Socket } from 'node:net'

/**
 * One direction of one connection through the link: what the source sends is
 * delivered to the sink, each chunk at its time and in order, by one timer
 * armed for the head of the queue. A held direction (a partition) keeps its
 * bytes until released. A full queue pauses the source, so a held or slow
 * direction pushes back on the sender as TCP does.
 */

/** Queued bytes (plus the sink's own buffer) above which the source is paused; below half, resumed. */
export const HIGH_WATER_BYTES = 4 * 1024 * 1024

type Item = { at: number, data: Buffer } | { at: number, data: 'end' | 'reset' }

export interface DirectionInit {
  source: Socket
  /** The link's clock, ms. */
  now: () => number
  /** The shape of this direction now (it may change between chunks). */
  shape: () => Shape
  /** The serialisation queue shared by every connection of this ordered pair. */
  pair: PairClock
  random: () => number
  held: boolean
  /** Called with the size of every chunk written to the sink. */
  onDelivered: (bytes: number) => void
}

export class Direction {
  readonly #init: DirectionInit
  readonly #clock: DirectionClock = { lastAt: 0 }
  #queue: Item[] = []
  #head = 0
  #queuedBytes = 0
  #sink: Socket | undefined
  #held: boolean
  #timer: NodeJS.Timeout | undefined
  #dropped = false
  #paused = false

  constructor (init: DirectionInit) {
    this.#init = init
    this.#held = init.held
  }

  /** Bytes waiting in the queue (held or not yet due). */
  get queuedBytes (): number {
    return this.#queuedBytes
  }

  push (data: Buffer): void {
    if (this.#dropped) return
    const at = deliveryTime(this.#init.now(), data.length, this.#init.shape(), this.#clock, this.#init.pair, this.#init.random)
    this.#enqueue({ at, data })
    this.#queuedBytes += data.length
    this.#pressure()
  }

  /** The source half-closed (FIN): ends the sink after the bytes before it. */
  pushEnd (): void {
    this.#pushSignal('end')
  }

  /** The source was reset: resets the sink after the bytes before it. */
  pushReset (): void {
    this.#pushSignal('reset')
  }

  /** Where the bytes go; until set (the upstream connection is being made), they wait. */
  setSink (sink: Socket): void {
    this.#sink = sink
    sink.on('drain', () => {
      this.#pressure()
    })
    this.#pump()
  }

  /**
   * Holds or releases the bytes. Bytes held by a partition travelled nowhere:
   * on release they arrive no sooner than one delay later.
   */
  setHeld (held: boolean): void {
    if (held === this.#held) return
    this.#held = held
    if (held) {
      clearTimeout(this.#timer)
      this.#timer = undefined
      return
    }
    const floor = this.#init.now() + this.#init.shape().oneWayMs
    for (let i = this.#head; i < this.#queue.length; i++) this.#queue[i]!.at = Math.max(this.#queue[i]!.at, floor)
    this.#clock.lastAt = Math.max(this.#clock.lastAt, floor)
    this.#pump()
  }

  /** Discards everything queued and whatever comes later (the sink is gone, or the connection was cut). */
  drop (): void {
    this.#dropped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#queue = []
    this.#head = 0
    this.#queuedBytes = 0
    if (this.#paused) this.#init.source.resume()
  }

  #pushSignal (signal: 'end' | 'reset'): void {
    if (this.#dropped) return
    const shape = this.#init.shape()
    const at = deliveryTime(this.#init.now(), 0, shape, this.#clock, this.#init.pair, this.#init.random)
    this.#enqueue({ at, data: signal })
  }

  #enqueue (item: Item): void {
    this.#queue.push(item)
    // Only the head has a timer; a later item is due no sooner than the head.
    if (this.#queue.length - this.#head === 1) this.#pump()
  }

  #pump = (): void => {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const sink = this.#sink
    if (this.#held || sink == null || this.#dropped) return
    const now = this.#init.now()
    while (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head]!
      if (item.at > now) {
        this.#timer = setTimeout(this.#pump, Math.ceil(item.at - now))
        break
      }
      this.#head++
      this.#deliver(sink, item)
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    this.#pressure()
  }

  #deliver (sink: Socket, item: Item): void {
    if (typeof item.data !== 'string') this.#queuedBytes -= item.data.length
    if (sink.destroyed) return
    if (item.data === 'end') {
      sink.end()
    } else if (item.data === 'reset') {
      sink.resetAndDestroy()
    } else {
      sink.write(item.data)
      this.#init.onDelivered(item.data.length)
    }
  }

  /** Pauses the source while too much waits, resumes it below half. */
  #pressure (): void {
    const waiting = this.#queuedBytes + (this.#sink?.writableLength ?? 0)
    if (!this.#paused && waiting > HIGH_WATER_BYTES) {
      this.#paused = true
      this.#init.source.pause()
    } else if (this.#paused && waiting < HIGH_WATER_BYTES / 2) {
      this.#paused = false
      this.#init.source.resume()
    }
  }
}
