import { describeError } from './describe-error.ts'
import { StepFailedError } from './errors.ts'
import { AbortedError } from '../errors.ts'
import { CoordinatorDriver } from '../jobs/driver/index.ts'
import type { CoordinatorEvent, CoordinatorInit, DriverPorts, ExecutionRef, ExecutionReport, JobResult, JobSpec } from '../jobs/driver/index.ts'
import { systemClock, systemScheduler } from '../lifecycle/index.ts'
import type { Clock, Scheduler } from '../lifecycle/index.ts'
import { stepsToRun } from '../plan/index.ts'
import type { Plan, PlannedStep } from '../plan/index.ts'
import type { RenderEventListener, StepReport } from './events.ts'
import { cachedReport, planEvent, withFrames } from './plan-reports.ts'
import type { PlanRenderResult, RenderPlanOptions } from './local-render.ts'
import type { StepRunner } from './step-runner.ts'

/** The coordinator's name for this node: it never leaves the process. */
const SELF = 'local'

/** Lookups here read the local index only; their deadline is no limit, only a guard against a store that hangs. */
const LOCAL_LOOKUP_TIMEOUT_MS = 3_600_000

export interface OneNodeClusterComponents {
  runner: Pick<StepRunner, 'lookupLocal' | 'run'>
  /** @default systemClock */
  clock?: Clock | undefined
  /** @default systemScheduler */
  scheduler?: Scheduler | undefined
}

/**
 * The coordinator's options for a cluster of one: every lease wait is zero (no
 * peer can compete for a claim), a failed step fails the render at once, and
 * this node confirms its own work.
 */
export function oneNodeInit (slots: number): CoordinatorInit {
  return {
    self: SELF,
    slots: Math.max(1, slots),
    capabilities: [],
    maxAttempts: 1,
    confirmations: 1,
    settleMs: 0,
    rankDelayMs: 0,
    maxWaitMs: 0,
    rejoinQuietMs: 0,
    cacheLookupTimeoutMs: LOCAL_LOOKUP_TIMEOUT_MS
  }
}

/**
 * The jobs a plan is to the coordinator: one per output (a job has one), each
 * with every step; work is shared by cache id, so a step runs once for all.
 * Steps require nothing: this machine runs whatever the plan holds.
 */
export function jobsOf (plan: Plan): JobSpec[] {
  const steps = plan.steps.map(step => ({
    stepId: step.id,
    cacheId: step.cacheId,
    type: step.type,
    deps: step.inputs.flatMap(input => input.kind === 'step' ? [input.id] : [])
  }))
  // The main output's job first: jobs are served in the order of their submission time.
  return plan.outputs.map((output, i) => ({ jobId: `${plan.runId}/${output}`, steps, output, submittedAt: i }))
}

/**
 * `artdag render` with no daemon: the plan is scheduled by the coordinator the
 * daemon runs (src/jobs/driver), in a cluster of one node. Its ports: a
 * transport that publishes nowhere (the coordinator ignores its own messages),
 * the local cache index (the StepRunner records each output there itself), the
 * StepRunner as executor, no job source, and the outcomes that end the render.
 * Cached steps are served from the cache; a step whose every reader is cached
 * is skipped. The first failure aborts the steps still running and is thrown
 * once they have stopped; an aborted signal stops the render and throws its reason.
 */
export async function renderOnOneNode (plan: Plan, components: OneNodeClusterComponents, options: RenderPlanOptions): Promise<PlanRenderResult> {
  return await new OneNodeRender(plan, components, options).run()
}

class OneNodeRender {
  readonly #plan: Plan
  readonly #c: OneNodeClusterComponents
  readonly #options: RenderPlanOptions
  readonly #emit: RenderEventListener
  readonly #clock: Clock
  readonly #driver: CoordinatorDriver
  readonly #jobs: JobSpec[]
  readonly #steps: Map<string, PlannedStep>
  /** Every step's outcome, as it is known. */
  readonly #reports = new Map<string, StepReport>()
  /** Each job's output. */
  readonly #outputs = new Map<string, string>()
  /** What each failed cache id's run threw: the render throws it. */
  readonly #failures = new Map<string, unknown>()
  /** Running executions: aborting one kills its ffmpeg. */
  readonly #running = new Map<string, AbortController>()
  readonly #ended = Promise.withResolvers<void>()
  #outcome: { ok: true } | { ok: false, error: unknown } | undefined
  #lookedUp = false

  constructor (plan: Plan, components: OneNodeClusterComponents, options: RenderPlanOptions) {
    this.#plan = plan
    this.#c = components
    this.#options = options
    this.#emit = options.onEvent ?? (() => {})
    this.#clock = components.clock ?? systemClock
    this.#jobs = jobsOf(plan)
    this.#steps = new Map(plan.steps.map(step => [step.id, step]))
    this.#driver = new CoordinatorDriver({
      ports: this.#ports(),
      clock: this.#clock,
      scheduler: components.scheduler ?? systemScheduler,
      onError: err => {
        // A port's task failed (the cache index could not be read): the render fails with it.
        this.#end({ ok: false, error: err })
      }
    }, oneNodeInit(options.slots))
  }

  async run (): Promise<PlanRenderResult> {
    const plan = this.#plan
    const signal = this.#options.signal
    this.#emit(planEvent(plan))
    signal?.throwIfAborted()
    const onAbort = (): void => {
      this.#end({ ok: false, error: signal?.reason })
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await this.#driver.start()
      for (const job of this.#jobs) this.#driver.jobReceived(job)
      await this.#ended.promise
    } finally {
      signal?.removeEventListener('abort', onAbort)
      // A failure or an abort: the coordinator aborts the work still running, and stop() waits until it has stopped.
      const stopped = this.#outcome?.ok !== true ? this.#jobs : []
      for (const job of stopped) this.#driver.cancel(job.jobId, 'the render stopped')
      await this.#driver.stop()
    }
    if (signal?.aborted === true) throw signal.reason
    if (this.#outcome?.ok === false) throw this.#outcome.error
    const missing = plan.steps.filter(step => !this.#reports.has(step.id)).map(step => step.id)
    if (missing.length > 0) throw new StepFailedError(`render ended with ${missing.length} step(s) without a result`, { pending: missing })
    return {
      outputCid: this.#outputs.get(plan.output) as string,
      outputs: Object.fromEntries(plan.outputs.map(id => [id, this.#outputs.get(id) as string])),
      steps: plan.steps.map(step => withFrames(step, this.#reports.get(step.id) as StepReport))
    }
  }

  /** The first outcome counts. */
  #end (outcome: { ok: true } | { ok: false, error: unknown }): void {
    if (this.#outcome !== undefined) return
    this.#outcome = outcome
    this.#ended.resolve()
  }

  #ports (): DriverPorts {
    return {
      // A cluster of one: nobody to tell.
      transport: { publish: () => undefined },
      cache: {
        lookup: (cacheIds, _scope, _deadline, answer, { signal }) => this.#lookUp(cacheIds, answer, signal),
        // The StepRunner recorded the output in the local index when it added it; no DHT here.
        put: () => undefined
      },
      executor: {
        start: (ref, report, { signal }) => this.#execute(ref, report, signal),
        abort: (ref, reason) => {
          this.#running.get(executionKey(ref))?.abort(new AbortedError(`the step was aborted: ${reason}`, { reason }))
        }
      },
      // No peer mentions a job this node does not know.
      jobs: { fetch: () => undefined },
      outcomes: {
        jobFinished: result => {
          this.#jobFinished(result)
          return undefined
        },
        persist: () => undefined,
        event: event => {
          this.#reportResults(event)
        }
      }
    }
  }

  /**
   * The local index, every cache id at once, answered together: the steps not
   * needed (every reader cached) are reported skipped first, as `artdag plan`
   * describes them (stepsToRun), and no step is claimed on a partial answer.
   */
  async #lookUp (cacheIds: readonly string[], answer: (cacheId: string, cid: string | undefined) => void, signal: AbortSignal): Promise<void> {
    const found = await Promise.all(cacheIds.map(async cacheId => [cacheId, await this.#c.runner.lookupLocal(cacheId, { signal })] as const))
    if (signal.aborted) return
    if (!this.#lookedUp) {
      this.#lookedUp = true
      this.#reportSkipped(new Set(found.flatMap(([cacheId, cid]) => cid !== undefined ? [cacheId] : [])))
    }
    for (const [cacheId, cid] of found) answer(cacheId, cid)
  }

  #reportSkipped (cached: ReadonlySet<string>): void {
    const needed = stepsToRun(this.#plan.steps, this.#plan.outputs, cacheId => cached.has(cacheId))
    for (const step of this.#plan.steps) {
      if (needed.has(step.id) || cached.has(step.cacheId)) continue
      this.#reports.set(step.id, { id: step.id, type: step.type, cacheId: step.cacheId, cid: null, cached: false, skipped: true, producer: 'none', startedAt: null, finishedAt: null, ffmpegRuns: 0 })
      this.#emit({ type: 'step_skipped', stepId: step.id, cacheId: step.cacheId })
    }
  }

  /**
   * A result the coordinator recorded: a cache hit, or a run. Every step of the
   * cache id without a report of its own (the run's step has one) was served
   * from the cache.
   */
  #reportResults (event: CoordinatorEvent): void {
    if (event.kind !== 'step' || (event.state !== 'CACHED' && event.state !== 'COMPLETED')) return
    const cid = this.#driver.coordinator.knownResult(event.cacheId)
    if (cid === undefined) return
    for (const { stepId } of event.refs) {
      const step = this.#steps.get(stepId)
      if (step === undefined || this.#reports.has(stepId)) continue
      this.#reports.set(stepId, cachedReport(step, cid))
      this.#emit({ type: 'step_cached', stepId: step.id, cacheId: step.cacheId, cid })
    }
  }

  #jobFinished (result: JobResult): void {
    const job = this.#jobs.find(j => j.jobId === result.jobId)
    if (job === undefined) return
    if (result.state === 'completed') {
      this.#outputs.set(job.output, result.outputCid)
      if (this.#outputs.size === this.#jobs.length) this.#end({ ok: true })
    } else if (result.state === 'failed') {
      const { cacheId, errorTail } = result.failure
      this.#end({ ok: false, error: this.#failures.get(cacheId) ?? new StepFailedError(`step ${result.failure.stepId} failed: ${errorTail}`, { step: result.failure.stepId, cacheId }) })
    }
  }

  /** Runs a step the coordinator started, with its inputs' results as the coordinator knows them. */
  async #execute (ref: ExecutionRef, report: ExecutionReport, stopping: AbortSignal): Promise<void> {
    const step = this.#steps.get(ref.stepId) as PlannedStep
    // The coordinator starts a step only once every input has its result.
    const inputCids = step.inputs.map(input => input.kind === 'input' ? input.cid : this.#driver.coordinator.knownResult(input.cacheId) as string)
    const key = executionKey(ref)
    const controller = new AbortController()
    this.#running.set(key, controller)
    const signal = AbortSignal.any([controller.signal, stopping])
    this.#emit({ type: 'step_started', stepId: step.id, cacheId: step.cacheId, stepType: step.type, at: this.#clock.wallNow() })
    try {
      const done = await this.#c.runner.run(step, inputCids, {
        signal,
        onProgress: event => {
          this.#emit({ type: 'step_progress', stepId: step.id, fraction: event.fraction, outTimeMs: event.outTimeMs, speed: event.speed, frame: event.frame })
        }
      })
      // An aborted execution reports nothing.
      if (signal.aborted) return
      const durationMs = (done.finishedAt ?? 0) - (done.startedAt ?? 0)
      this.#reports.set(step.id, done)
      this.#emit({ type: 'step_completed', stepId: step.id, cacheId: step.cacheId, cid: done.cid, durationMs })
      report.finished(done.cid, durationMs)
    } catch (err: unknown) {
      // Stopped: by the coordinator, or because the render already failed; its error says nothing new.
      if (signal.aborted || this.#outcome !== undefined) return
      const { message, errorTail } = describeError(err)
      this.#failures.set(step.cacheId, err)
      this.#emit({ type: 'step_failed', stepId: step.id, cacheId: step.cacheId, error: message })
      report.failed(errorTail !== undefined ? `${message}\n${errorTail}` : message)
    } finally {
      this.#running.delete(key)
    }
  }
}

function executionKey (ref: ExecutionRef): string {
  return `${ref.cacheId}/${ref.epoch}`
}
