import { AbortedError } from '../errors.ts'
import { systemScheduler } from './clock.ts'
import { TaskGroup } from './task-group.ts'
import type { Scheduler, TimerHandle } from './clock.ts'

export interface ComponentRunInit {
  /** What the component is, for abort reasons (`the registry is stopping`). */
  name: string
  /** @default systemScheduler */
  scheduler?: Scheduler | undefined
  /** A tracked task failed (it never rejects stop()). */
  onTaskError: (err: unknown, task: string) => void
  /** Let the process exit while only this component's timers are pending. @default false */
  unrefTimers?: boolean | undefined
}

/**
 * What one start of a component owns: a controller made at that start, the
 * timers it set (through the injected Scheduler) and the tasks it started.
 * `end()` aborts the controller, clears the timers and awaits the tasks, so a
 * component's stop() is one call and leaves no handle behind. A component
 * makes a new ComponentRun at each start (see src/lifecycle/startable.ts).
 */
export class ComponentRun {
  readonly #controller = new AbortController()
  readonly #scheduler: Scheduler
  readonly #timers = new Set<TimerHandle>()
  readonly #tasks: TaskGroup
  readonly #name: string
  readonly #unref: boolean

  constructor (init: ComponentRunInit) {
    this.#name = init.name
    this.#scheduler = init.scheduler ?? systemScheduler
    this.#tasks = new TaskGroup(init.onTaskError)
    this.#unref = init.unrefTimers === true
  }

  /** Aborted when the run ends. */
  get signal (): AbortSignal {
    return this.#controller.signal
  }

  get ended (): boolean {
    return this.#controller.signal.aborted
  }

  /** Runs `fn` once after `ms`, unless the run ends first. Returns a cancel function. */
  after (ms: number, fn: () => void): () => void {
    if (this.ended) return () => {}
    const handle: TimerHandle = this.#scheduler.setTimeout(() => {
      this.#timers.delete(handle)
      if (!this.ended) fn()
    }, ms)
    if (this.#unref) handle.unref?.()
    this.#timers.add(handle)
    return () => {
      this.#scheduler.clearTimeout(handle)
      this.#timers.delete(handle)
    }
  }

  /** Runs `fn` every `ms` until the run ends (each run scheduled when the one before returns). */
  every (ms: number, fn: () => void): () => void {
    let cancel = (): void => {}
    const tick = (): void => {
      cancel = this.after(ms, tick)
      fn()
    }
    cancel = this.after(ms, tick)
    return () => {
      cancel()
    }
  }

  /** Resolves after `ms`, or as soon as the run ends (never rejects: check `ended` after it). */
  async sleep (ms: number): Promise<void> {
    if (this.ended) return
    await new Promise<void>(resolve => {
      const done = (): void => {
        cancel()
        this.signal.removeEventListener('abort', done)
        resolve()
      }
      const cancel = this.after(ms, done)
      this.signal.addEventListener('abort', done, { once: true })
    })
  }

  /** Tracks a promise the component started: end() waits for it. */
  track (task: string, promise: Promise<unknown>): void {
    this.#tasks.add(task, promise)
  }

  /** Aborts the run's controller, clears its timers and waits for its tasks. Idempotent. */
  async end (): Promise<void> {
    if (!this.ended) this.#controller.abort(new AbortedError(`${this.#name} is stopping`))
    for (const handle of this.#timers) this.#scheduler.clearTimeout(handle)
    this.#timers.clear()
    await this.#tasks.drain()
  }
}
