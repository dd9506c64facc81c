import { AbortedError } from '../errors.ts'
import type { Logger } from '../log.ts'
import type { ContentStore } from '../store/index.ts'

/**
 * Runs the store's gc every `intervalMs` (config `gc.intervalMs`; 0 turns it
 * off and only `artdag gc` collects): expired intermediates are unpinned, then
 * unpinned blocks deleted. One run at a time; stop() waits for a run to end.
 */
export class GcScheduler {
  readonly #store: ContentStore
  readonly #intervalMs: number
  readonly #log: Logger
  readonly #shutdown = new AbortController()
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined

  constructor (store: ContentStore, intervalMs: number, logger: Logger) {
    this.#store = store
    this.#intervalMs = intervalMs
    this.#log = logger.forComponent('artdag:gc')
  }

  start (): void {
    if (this.#intervalMs <= 0 || this.#timer != null) return
    this.#timer = setInterval(() => {
      this.#running ??= this.#run().finally(() => {
        this.#running = undefined
      })
    }, this.#intervalMs)
  }

  async #run (): Promise<void> {
    try {
      const result = await this.#store.gc({ signal: this.#shutdown.signal })
      this.#log.info({ ...result }, 'gc')
    } catch (err: unknown) {
      if (!this.#shutdown.signal.aborted) this.#log.warn({ err }, 'gc failed')
    }
  }

  async stop (): Promise<void> {
    if (this.#timer != null) clearInterval(this.#timer)
    this.#timer = undefined
    this.#shutdown.abort(new AbortedError('the gc schedule is stopping'))
    await this.#running
  }
}
