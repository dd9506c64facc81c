import { StepInputUnavailableError, describeError } from '../../engine/index.ts'
import type { StepRunner } from '../../engine/index.ts'
import { AbortedError } from '../../errors.ts'
import { systemClock } from '../../lifecycle/index.ts'
import type { Clock } from '../../lifecycle/index.ts'
import type { Logger } from '../../log.ts'
import type { PlannedStep } from '../../plan/index.ts'
import type { ExecutionRef } from '../core/types.ts'

export interface RunningExecution {
  ref: ExecutionRef
  type: string
  startedAt: number
  /** 0..1 from ffmpeg's -progress, when it knows the duration. */
  progress: number | null
  /** Video frames ffmpeg has written, when it says. */
  frame: number | null
  /** ffmpeg's speed in multiples of real time, when it says. */
  speed: number | null
}

export interface ExecutionCallbacks {
  finished: (ref: ExecutionRef, cid: string, durationMs: number) => void
  /** `lost`: the CIDs of inputs the step could not fetch (StepInputUnavailableError). */
  failed: (ref: ExecutionRef, errorTail: string, lost: readonly string[]) => void
}

/** The inputs a failed run could not fetch, as its error names them. */
function lostInputs (err: unknown): string[] {
  if (!(err instanceof StepInputUnavailableError)) return []
  const cids = err.details?.cids
  return Array.isArray(cids) ? cids.filter((c): c is string => typeof c === 'string') : []
}

const keyOf = (ref: ExecutionRef): string => `${ref.cacheId}/${ref.epoch}`

/**
 * The steps this node runs for the coordinator. Each has its own abort
 * controller: aborting kills its ffmpeg and removes its workspace, and an
 * aborted execution reports nothing back (the coordinator asked for it).
 */
export class Executions {
  readonly #running = new Map<string, RunningExecution & { controller: AbortController, done: Promise<void> }>()
  readonly #runner: StepRunner
  readonly #clock: Clock
  readonly #log: Logger

  constructor (runner: StepRunner, logger: Logger, clock: Clock = systemClock) {
    this.#clock = clock
    this.#runner = runner
    this.#log = logger.forComponent('artdag:executions')
  }

  start (ref: ExecutionRef, step: PlannedStep, inputCids: string[], callbacks: ExecutionCallbacks, options: { from?: string[] } = {}): void {
    const key = keyOf(ref)
    if (this.#running.has(key)) return
    const controller = new AbortController()
    const entry = { ref, type: step.type, startedAt: this.#clock.wallNow(), progress: null as number | null, frame: null as number | null, speed: null as number | null, controller, done: Promise.resolve() }
    entry.done = (async () => {
      try {
        const report = await this.#runner.run(step, inputCids, {
          signal: controller.signal,
          from: options.from,
          onProgress: event => {
            entry.progress = event.fraction
            if (event.frame !== null) entry.frame = event.frame
            if (event.speed !== null) entry.speed = event.speed
          }
        })
        if (!controller.signal.aborted) callbacks.finished(ref, report.cid, (report.finishedAt ?? this.#clock.wallNow()) - (report.startedAt ?? entry.startedAt))
      } catch (err: unknown) {
        if (controller.signal.aborted) return
        const { message, errorTail } = describeError(err)
        this.#log.warn({ step: ref.stepId, cacheId: ref.cacheId, err }, 'step failed')
        callbacks.failed(ref, errorTail != null ? `${message}\n${errorTail}` : message, lostInputs(err))
      } finally {
        this.#running.delete(key)
      }
    })()
    this.#running.set(key, entry)
  }

  abort (ref: ExecutionRef, reason: string): void {
    const entry = this.#running.get(keyOf(ref))
    if (entry == null) return
    this.#log.info({ step: ref.stepId, cacheId: ref.cacheId, reason }, 'aborting step')
    entry.controller.abort(new AbortedError(`the step was aborted: ${reason}`, { reason }))
  }

  list (): RunningExecution[] {
    return [...this.#running.values()].map(({ ref, type, startedAt, progress, frame, speed }) => ({ ref, type, startedAt, progress, frame, speed }))
  }

  get size (): number {
    return this.#running.size
  }

  /** Aborts everything and waits until every ffmpeg is gone and every workspace removed. */
  async stop (): Promise<void> {
    for (const entry of this.#running.values()) entry.controller.abort(new AbortedError('the daemon is stopping'))
    await Promise.allSettled([...this.#running.values()].map(async entry => {
      await entry.done
    }))
  }
}
