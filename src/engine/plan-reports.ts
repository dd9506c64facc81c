import { stepFrames } from '../plan/index.ts'
import type { Plan, PlannedStep } from '../plan/index.ts'
import type { RenderEvent, StepReport } from './events.ts'
import { defined } from '../defined.ts'

/** The first event of a render: its plan, each step with the frames it encodes when known. */
export function planEvent (plan: Plan): RenderEvent {
  return {
    type: 'plan',
    steps: plan.steps.length,
    levels: plan.levels.length,
    planId: plan.planId,
    runId: plan.runId,
    recipe: plan.recipeName,
    list: plan.steps.map(step => ({ stepId: step.id, stepType: step.type, cacheId: step.cacheId, ...defined({ frames: stepFrames(step.type, step.config) }) }))
  }
}

/** A step served from the cache: `cid`, no run. */
export function cachedReport (step: PlannedStep, cid: string): StepReport {
  return { id: step.id, type: step.type, cacheId: step.cacheId, cid, cached: true, producer: 'cache', startedAt: null, finishedAt: null, ffmpegRuns: 0 }
}

/** A report as the render's result gives it: with the frames the step encodes, when known. */
export function withFrames (step: PlannedStep, report: StepReport): StepReport {
  const frames = stepFrames(step.type, step.config)
  return frames !== undefined ? { ...report, frames } : report
}
