import { StepFailedError } from './errors.ts'
import { describeError } from './describe-error.ts'
import type { RenderEventListener, StepReport } from './events.ts'
import type { StepRunner } from './step-runner.ts'
import type { Plan, PlannedStep } from '../plan/planner.ts'

export interface RenderPlanOptions {
  /** Steps run at once. */
  slots: number
  signal?: AbortSignal
  onEvent?: RenderEventListener
}

export interface PlanRenderResult {
  outputCid: string
  /** In plan order. */
  steps: StepReport[]
}

function inputCidsOf (step: PlannedStep, done: Map<string, StepReport>): string[] {
  return step.inputs.map(input => input.kind === 'input' ? input.cid : (done.get(input.id) as StepReport).cid)
}

/**
 * Renders a whole plan on this machine. A step starts as soon as its inputs
 * are ready (not level by level), up to `slots` at once; a step whose cache_id
 * is in the local cache is served from it. The first failure aborts the steps
 * still running and is thrown once they have stopped.
 */
export async function renderPlan (plan: Plan, runner: StepRunner, options: RenderPlanOptions): Promise<PlanRenderResult> {
  const emit = options.onEvent ?? (() => {})
  const steps = new Map(plan.steps.map(step => [step.id, step]))
  const waitingOn = new Map(plan.steps.map(step => [step.id, new Set(step.inputs.flatMap(i => i.kind === 'step' ? [i.id] : []))]))
  const done = new Map<string, StepReport>()
  const ready: string[] = plan.steps.filter(step => waitingOn.get(step.id)?.size === 0).map(step => step.id)
  const controller = new AbortController()
  const onAbort = (): void => { controller.abort(options.signal?.reason) }
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const running = new Set<Promise<void>>()
  let failure: unknown

  emit({ type: 'plan', steps: plan.steps.length, levels: plan.levels.length, planId: plan.planId, runId: plan.runId })

  const finish = (report: StepReport): void => {
    done.set(report.id, report)
    for (const [id, deps] of waitingOn) {
      if (deps.delete(report.id) && deps.size === 0 && !done.has(id)) ready.push(id)
    }
  }

  const runOne = async (step: PlannedStep): Promise<void> => {
    const signal = controller.signal
    const cached = await runner.lookupLocal(step.cacheId, { signal })
    if (cached != null) {
      emit({ type: 'step_cached', stepId: step.id, cacheId: step.cacheId, cid: cached })
      finish({ id: step.id, type: step.type, cacheId: step.cacheId, cid: cached, cached: true, producer: 'cache', startedAt: null, finishedAt: null, ffmpegRuns: 0 })
      return
    }
    emit({ type: 'step_started', stepId: step.id, cacheId: step.cacheId, stepType: step.type, at: Date.now() })
    const report = await runner.run(step, inputCidsOf(step, done), {
      signal,
      onProgress: event => { emit({ type: 'step_progress', stepId: step.id, fraction: event.fraction, outTimeMs: event.outTimeMs, speed: event.speed }) }
    })
    emit({ type: 'step_completed', stepId: step.id, cacheId: step.cacheId, cid: report.cid, durationMs: (report.finishedAt ?? 0) - (report.startedAt ?? 0) })
    finish(report)
  }

  try {
    while (done.size < plan.steps.length && failure == null && !controller.signal.aborted) {
      while (ready.length > 0 && running.size < Math.max(1, options.slots)) {
        const step = steps.get(ready.shift() as string) as PlannedStep
        const task: Promise<void> = runOne(step)
          .catch(err => {
            if (failure == null && !controller.signal.aborted) {
              failure = err
              emit({ type: 'step_failed', stepId: step.id, cacheId: step.cacheId, error: describeError(err).message })
              controller.abort(err)
            }
          })
          .finally(() => running.delete(task))
        running.add(task)
      }
      if (running.size === 0) break
      await Promise.race(running)
    }
    await Promise.allSettled(running)
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }

  if (options.signal?.aborted === true) throw options.signal.reason
  if (failure != null) throw failure
  if (done.size < plan.steps.length) {
    // Unreachable for a valid plan (the planner rejects cycles); kept as a guard with a clear message.
    throw new StepFailedError(`render stopped with ${plan.steps.length - done.size} step(s) never ready`, { pending: [...steps.keys()].filter(id => !done.has(id)) })
  }
  return {
    outputCid: (done.get(plan.output) as StepReport).cid,
    steps: plan.steps.map(step => done.get(step.id) as StepReport)
  }
}
