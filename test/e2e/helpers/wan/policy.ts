/**
 * What the link does to bytes from one node to another: pure, no I/O. A
 * node is a name; `*` in a shape's key matches any node (and bytes from a
 * dialler the link does not know come from `outside`).
 */

export const OUTSIDE = 'outside'

/** The timing of one direction between two nodes. */
export interface Shape {
  /** One-way delay, ms. */
  oneWayMs: number
  /** Each chunk's delay is drawn uniformly from oneWayMs ± jitterMs (at least 0), and never overtakes the one before. */
  jitterMs: number
  /** Serialisation: bytes per second shared by every connection from one node to the other. null: unlimited. */
  bytesPerSecond: number | null
}

export const NO_DELAY: Shape = { oneWayMs: 0, jitterMs: 0, bytesPerSecond: null }

/** Which direction of a node's traffic a partition holds. */
export type Holding = 'both' | 'out' | 'in'

/** The state one direction of one connection keeps between chunks. */
export interface DirectionClock {
  /** When the previous chunk is delivered (ms, the link's clock). */
  lastAt: number
}

/** The state the connections from one node to another share: their serialisation queue. */
export interface PairClock {
  /** When the pair's line is free to send the next byte (ms). */
  busyUntil: number
}

/**
 * When a chunk of `bytes` sent at `now` is delivered: after the line has sent
 * it (bandwidth), one delay with jitter later, and never before the previous
 * chunk of the same direction (TCP keeps order, so jitter delays but never
 * reorders). Updates both clocks.
 */
export function deliveryTime (now: number, bytes: number, shape: Shape, direction: DirectionClock, pair: PairClock, random: () => number): number {
  let sent = now
  if (shape.bytesPerSecond != null) {
    sent = Math.max(now, pair.busyUntil) + 1000 * bytes / shape.bytesPerSecond
    pair.busyUntil = sent
  }
  const delay = Math.max(0, shape.oneWayMs + (2 * random() - 1) * shape.jitterMs)
  const at = Math.max(direction.lastAt, sent + delay)
  direction.lastAt = at
  return at
}

/** Shapes per ordered pair of nodes and the pairs a partition holds. */
export class LinkPolicy {
  readonly #shapes = new Map<string, Shape>([['*>*', NO_DELAY]])
  readonly #held = new Set<string>()

  constructor (shape: Partial<Shape> = {}) {
    this.setShape({ ...NO_DELAY, ...shape })
  }

  /** Sets the shape from `from` to `to` (either may be `*`, any node); a more specific key wins. */
  setShape (shape: Shape, from = '*', to = '*'): void {
    this.#shapes.set(`${from}>${to}`, shape)
  }

  /** The shape of bytes from `from` to `to`: the exact pair, then from→any, then any→to, then the default. */
  shape (from: string, to: string): Shape {
    return this.#shapes.get(`${from}>${to}`) ?? this.#shapes.get(`${from}>*`) ?? this.#shapes.get(`*>${to}`) ?? this.#shapes.get('*>*') ?? NO_DELAY
  }

  /**
   * Holds bytes between `nodes` and every other node of `all` (as a lost route
   * does): `both` directions, or only what they send (`out`) or receive (`in`).
   */
  partition (nodes: string[], all: string[], holding: Holding = 'both'): void {
    const inside = new Set(nodes)
    for (const a of inside) {
      for (const b of all) {
        if (inside.has(b)) continue
        if (holding !== 'in') this.#held.add(`${a}>${b}`)
        if (holding !== 'out') this.#held.add(`${b}>${a}`)
      }
    }
  }

  /** Ends every partition. */
  heal (): void {
    this.#held.clear()
  }

  held (from: string, to: string): boolean {
    return this.#held.has(`${from}>${to}`)
  }

  /** The held ordered pairs, as `from>to`. */
  heldPairs (): string[] {
    return [...this.#held].sort()
  }
}
