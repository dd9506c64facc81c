/**
 * Keeps gc apart from the operations that make blocks reachable (add + pin,
 * pin). Helia's own blockstore lock covers single block writes only: a gc
 * that lists a block before a pin walks it, and deletes it after, leaves a
 * pinned DAG with a hole. Any number of `shared` runs at once; `exclusive`
 * waits for them to finish and holds new ones back until it is done.
 */
export class GcGuard {
  #active = 0
  #idle: PromiseWithResolvers<void> | undefined
  #exclusive: Promise<void> | undefined

  async shared<T> (fn: () => Promise<T>): Promise<T> {
    while (this.#exclusive != null) await this.#exclusive
    this.#active++
    try {
      return await fn()
    } finally {
      this.#active--
      if (this.#active === 0) this.#idle?.resolve()
    }
  }

  async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    while (this.#exclusive != null) await this.#exclusive
    const done = Promise.withResolvers<void>()
    this.#exclusive = done.promise
    try {
      while (this.#active > 0) {
        this.#idle = Promise.withResolvers<void>()
        await this.#idle.promise
      }
      return await fn()
    } finally {
      this.#exclusive = undefined
      this.#idle = undefined
      done.resolve()
    }
  }
}
