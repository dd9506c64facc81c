/**
 * The heartbeat sequence: the wall clock in milliseconds, bumped past the last
 * value so it strictly increases even when the clock stalls or steps back.
 * Across restarts it keeps increasing because the clock moved on while the
 * node was down; if the clock was set back, `observe()` of the node's own
 * record found in a registry (ours or a peer's) keeps it above what the
 * cluster has already seen.
 */
export class SequenceCounter {
  #last: number

  constructor (last = 0) {
    this.#last = last
  }

  /** The highest value used or observed. */
  get last (): number {
    return this.#last
  }

  /** Raises the floor to a value seen elsewhere (our own earlier record). */
  observe (seq: number): void {
    if (seq > this.#last) this.#last = seq
  }

  next (nowWallClock: number): number {
    this.#last = Math.max(Math.floor(nowWallClock), this.#last + 1)
    return this.#last
  }
}
