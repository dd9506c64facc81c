import type { ApiEventInput, RunningStep } from '../api/index.ts'
import { systemClock, systemScheduler } from '../lifecycle/index.ts'
import type { Clock, Scheduler, Startable, TimerHandle } from '../lifecycle/index.ts'
import type { Logger } from '../log.ts'
import type { EventBus } from './event-bus.ts'
import { present } from '../defined.ts'

/**
 * `step.progress` events: while a step runs on this node and someone follows
 * the event stream (the dashboard), the fraction ffmpeg reports for it is
 * published every `intervalMs`, so a page draws a progress bar and an ETA from
 * pushed events instead of polling /v1/status. With `jobs`, the same tick
 * publishes the `job.progress` of each running transcode (./job-progress.ts).
 */

export const DEFAULT_PROGRESS_INTERVAL_MS = 1_000

export interface StepProgressComponents {
  events: Pick<EventBus, 'emit' | 'subscribers'>
  /** This node's running steps (the job service's). */
  runningSteps: () => RunningStep[]
  /** This node's peer id. */
  self: string
  /** The `job.progress` events of the running transcodes, as of `now`. */
  jobs?: { events: (now: number) => Promise<ApiEventInput[]> }
  logger: Logger
  scheduler?: Scheduler
  clock?: Clock
}

export class StepProgressEvents implements Startable {
  readonly #c: StepProgressComponents
  readonly #intervalMs: number
  readonly #scheduler: Scheduler
  readonly #clock: Clock
  readonly #log: Logger
  #timer: TimerHandle | undefined
  #running = false
  /** The job progress being computed: one at a time, awaited by stop(). */
  #jobs: Promise<void> | undefined

  constructor (components: StepProgressComponents, init: { intervalMs?: number } = {}) {
    this.#c = components
    this.#intervalMs = init.intervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS
    this.#scheduler = components.scheduler ?? systemScheduler
    this.#clock = components.clock ?? systemClock
    this.#log = components.logger.forComponent('artdag:progress-events')
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
    await this.#jobs
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
        ...present({ job: step.jobId }),
        peer: this.#c.self,
        cacheId: step.cacheId,
        stepType: step.type,
        startedAt: step.startedAt,
        progress: step.progress,
        ...present({ frame: step.frame, speed: step.speed })
      })
    }
    const jobs = this.#c.jobs
    if (jobs !== undefined && this.#jobs === undefined) {
      this.#jobs = (async () => {
        try {
          for (const event of await jobs.events(this.#clock.wallNow())) if (this.#running) this.#c.events.emit(event)
        } catch (err: unknown) {
          this.#log.debug({ err }, 'no job progress this time')
        } finally {
          this.#jobs = undefined
        }
      })()
    }
  }
}
