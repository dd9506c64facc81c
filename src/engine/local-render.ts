import { StepFailedError } from './errors.ts'
import { describeError } from './describe-error.ts'
import type { RenderEventListener, StepReport } from './events.ts'
import type { StepRunner } from './step-runner.ts'
import { stepFrames, stepsToRun } from '../plan/index.ts'
import type { Plan, PlannedStep } from '../plan/index.ts'

export interface RenderPlanOptions {
  /** Steps run at once. */
  slots: number
  signal?: AbortSignal | undefined
  onEvent?: RenderEventListener | undefined
}

export interface PlanRenderResult {
  /** The main output's CID. */
  outputCid: string
  /** Every output step → its CID. */
  outputs: Record<string, string>
  /** In plan order. */
  steps: StepReport[]
}

function inputCidsOf (step: PlannedStep, done: Map<string, StepReport>): string[] {
  return step.inputs.map(input => input.kind === 'input' ? input.cid : (done.get(input.id) as StepReport).cid as string)
}

/**
 * Renders a whole plan on this machine. Every cache_id is looked up first:
 * cached steps are served from the cache, and a step that is not cached but
 * whose every reader is cached is skipped (nothing needs it). The rest start
 * as soon as their inputs are ready (not level by level), up to `slots` at
 * once. The first failure aborts the steps still running and is thrown once
 * they have stopped.
 */
export async function renderPlan (plan: Plan, runner: StepRunner, options: RenderPlanOptions): Promise<PlanRenderResult> {
  const emit = options.onEvent ?? (() => {})
  const steps = new Map(plan.steps.map(step => [step.id, step]))
  const waitingOn = new Map(plan.steps.map(step => [step.id, new Set(step.inputs.flatMap(i => i.kind === 'step' ? [i.id] : []))]))
  const done = new Map<string, StepReport>()
  const ready: string[] = plan.steps.filter(step => waitingOn.get(step.id)?.size === 0).map(step => step.id)
  const controller = new AbortController()
  const onAbort = (): void => {
    controller.abort(options.signal?.reason)
  }
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const running = new Set<Promise<void>>()
  let failure: unknown

  emit({
    type: 'plan',
    steps: plan.steps.length,
    levels: plan.levels.length,
    planId: plan.planId,
    runId: plan.runId,
    recipe: plan.recipeName,
    list: plan.steps.map(step => {
      const frames = stepFrames(step.type, step.config)
      return { stepId: step.id, stepType: step.type, cacheId: step.cacheId, ...(frames !== undefined ? { frames } : {}) }
    })
  })

  const cachedCids = new Map<string, string>()
  await Promise.all([...new Set(plan.steps.map(step => step.cacheId))].map(async cacheId => {
    const cid = await runner.lookupLocal(cacheId, { signal: options.signal })
    if (cid != null) cachedCids.set(cacheId, cid)
  }))
  const needed = stepsToRun(plan.steps, plan.outputs, cacheId => cachedCids.has(cacheId))

  const finish = (report: StepReport): void => {
    done.set(report.id, report)
    for (const [id, deps] of waitingOn) {
      if (deps.delete(report.id) && deps.size === 0 && !done.has(id)) ready.push(id)
    }
  }

  const runOne = async (step: PlannedStep): Promise<void> => {
    const signal = controller.signal
    const cached = cachedCids.get(step.cacheId)
    if (cached != null) {
      emit({ type: 'step_cached', stepId: step.id, cacheId: step.cacheId, cid: cached })
      finish({ id: step.id, type: step.type, cacheId: step.cacheId, cid: cached, cached: true, producer: 'cache', startedAt: null, finishedAt: null, ffmpegRuns: 0 })
      return
    }
    emit({ type: 'step_started', stepId: step.id, cacheId: step.cacheId, stepType: step.type, at: Date.now() })
    const report = await runner.run(step, inputCidsOf(step, done), {
      signal,
      onProgress: event => {
        emit({ type: 'step_progress', stepId: step.id, fraction: event.fraction, outTimeMs: event.outTimeMs, speed: event.speed, frame: event.frame })
      }
    })
    emit({ type: 'step_completed', stepId: step.id, cacheId: step.cacheId, cid: report.cid, durationMs: (report.finishedAt ?? 0) - (report.startedAt ?? 0) })
    finish(report)
  }

  // Skipped steps count as done at once, so their readers (all cached) are not held up.
  for (const step of plan.steps) {
    if (needed.has(step.id) || cachedCids.has(step.cacheId)) continue
    emit({ type: 'step_skipped', stepId: step.id, cacheId: step.cacheId })
    done.set(step.id, { id: step.id, type: step.type, cacheId: step.cacheId, cid: null, cached: false, skipped: true, producer: 'none', startedAt: null, finishedAt: null, ffmpegRuns: 0 })
  }
  for (let i = ready.length - 1; i >= 0; i--) if (done.has(ready[i] as string)) ready.splice(i, 1)
  for (const id of done.keys()) {
    for (const [other, deps] of waitingOn) if (deps.delete(id) && deps.size === 0 && !done.has(other) && !ready.includes(other)) ready.push(other)
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
    outputCid: (done.get(plan.output) as StepReport).cid as string,
    outputs: Object.fromEntries(plan.outputs.map(id => [id, (done.get(id) as StepReport).cid as string])),
    steps: plan.steps.map(step => {
      const report = done.get(step.id) as StepReport
      const frames = stepFrames(step.type, step.config)
      return frames !== undefined ? { ...report, frames } : report
    })
  }
}
