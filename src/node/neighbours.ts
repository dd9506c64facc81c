import { AbortedError } from '../errors.ts'
import type { Logger } from '../log.ts'

/**
 * Runs neighbour lookups one at a time: a request while one runs makes one
 * more run after it (several bootstrap connections at start give one or two
 * lookups, not one each). stop() aborts the running lookup and waits for it.
 */
export class NeighbourLookups {
  readonly #lookup: (signal: AbortSignal) => Promise<number>
  readonly #log: Logger
  readonly #shutdown = new AbortController()
  #running: Promise<void> | undefined
  #again = false

  constructor (lookup: (signal: AbortSignal) => Promise<number>, logger: Logger) {
    this.#lookup = lookup
    this.#log = logger.forComponent('artdag:node:neighbours')
  }

  request (): void {
    if (this.#shutdown.signal.aborted) return
    if (this.#running != null) {
      this.#again = true
      return
    }
    this.#running = this.#lookup(this.#shutdown.signal)
      .then(peers => {
        this.#log.debug({ peers }, 'neighbour lookup done')
      })
      .catch((err: unknown) => {
        if (!this.#shutdown.signal.aborted) this.#log.warn({ err }, 'neighbour lookup failed')
      })
      .finally(() => {
        this.#running = undefined
        if (this.#again) {
          this.#again = false
          this.request()
        }
      })
  }

  async stop (): Promise<void> {
    this.#shutdown.abort(new AbortedError('neighbour lookups are stopping'))
    while (this.#running != null) await this.#running
  }
}
