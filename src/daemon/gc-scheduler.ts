import { ComponentRun } from '../lifecycle/index.ts'
import type { AbortOptions, Scheduler, Startable } from '../lifecycle/index.ts'
import type { Logger } from '../log.ts'
import type { ContentStore } from '../store/index.ts'

export interface GcSchedulerComponents {
  store: Pick<ContentStore, 'gc'>
  logger: Logger
  scheduler?: Scheduler | undefined
}

/**
 * Runs the store's gc every `intervalMs` (config `gc.intervalMs`; 0 turns it
 * off and only `artdag gc` collects): expired intermediates are unpinned, then
 * unpinned blocks deleted. One run at a time; stop() waits for a run to end.
 */
export class GcScheduler implements Startable {
  readonly #c: GcSchedulerComponents
  readonly #intervalMs: number
  readonly #log: Logger
  #run: ComponentRun | undefined
  #running = false

  constructor (components: GcSchedulerComponents, intervalMs: number) {
    this.#c = components
    this.#intervalMs = intervalMs
    this.#log = components.logger.forComponent('artdag:gc')
  }

  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.#intervalMs <= 0 || this.#run !== undefined) return
    const run = new ComponentRun({
      name: 'the gc schedule',
      scheduler: this.#c.scheduler,
      onTaskError: err => {
        this.#log.warn({ err }, 'gc failed')
      }
    })
    this.#run = run
    run.every(this.#intervalMs, () => {
      if (this.#running) return
      this.#running = true
      run.track(
        'gc',
        this.#collect(run.signal).finally(() => {
          this.#running = false
        })
      )
    })
  }

  async #collect (signal: AbortSignal): Promise<void> {
    try {
      const result = await this.#c.store.gc({ signal })
      this.#log.info({ ...result }, 'gc')
    } catch (err: unknown) {
      if (!signal.aborted) this.#log.warn({ err }, 'gc failed')
    }
  }

  async stop (): Promise<void> {
    const run = this.#run
    this.#run = undefined
    await run?.end()
  }
}

/** The `gc:` config section's defaults (config/default.yaml is checked against them): intermediates kept 24 h; no automatic gc. */
export const GC_DEFAULTS = {
  intermediateTtlMs: 24 * 60 * 60 * 1000,
  intervalMs: 0
}
