import type { RunningStep } from '../api/index.ts'
import { systemScheduler } from '../lifecycle/index.ts'
import type { Scheduler, Startable, TimerHandle } from '../lifecycle/index.ts'
import type { EventBus } from './event-bus.ts'

/**
 * `step.progress` events: while a step runs on this node and someone follows
 * the event stream (the dashboard), the fraction ffmpeg reports for it is
 * published every `intervalMs`, so a page draws a progress bar and an ETA from
 * pushed events instead of polling /v1/status.
 */

export const DEFAULT_PROGRESS_INTERVAL_MS = 1_000

export interface StepProgressComponents {
  events: Pick<EventBus, 'emit' | 'subscribers'>
  /** This node's running steps (the job service's). */
  runningSteps: () => RunningStep[]
  /** This node's peer id. */
  self: string
  scheduler?: Scheduler
}

export class StepProgressEvents implements Startable {
  readonly #c: StepProgressComponents
  readonly #intervalMs: number
  readonly #scheduler: Scheduler
  #timer: TimerHandle | undefined
  #running = false

  constructor (components: StepProgressComponents, init: { intervalMs?: number } = {}) {
    this.#c = components
    this.#intervalMs = init.intervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS
    this.#scheduler = components.scheduler ?? systemScheduler
  }

  async start (): Promise<void> {
    if (this.#running) return
    this.#running = true
    this.#schedule()
  }

  async stop (): Promise<void> {
    this.#running = false
    this.#scheduler.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #schedule (): void {
    if (!this.#running) return
    this.#timer = this.#scheduler.setTimeout(() => {
      this.#tick()
      this.#schedule()
    }, this.#intervalMs)
    this.#timer.unref?.()
  }

  #tick (): void {
    if (this.#c.events.subscribers === 0) return
    for (const step of this.#c.runningSteps()) {
      this.#c.events.emit({
        type: 'step.progress',
        ...(step.jobId !== null ? { job: step.jobId } : {}),
        peer: this.#c.self,
        cacheId: step.cacheId,
        stepType: step.type,
        startedAt: step.startedAt,
        progress: step.progress
      })
    }
  }
}
