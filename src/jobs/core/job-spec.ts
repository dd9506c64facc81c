import { JobSpecInvalidError } from '../errors.ts'
import type { JobSpec, StepSpec } from './types.ts'

/** A validated job: steps in dependency order, each dependency resolved to its cache id. */
export interface CheckedJob {
  jobId: string
  submittedAt: number
  steps: CheckedStep[]
  output: CheckedStep
}

export interface CheckedStep {
  stepId: string
  cacheId: string
  type: string
  requires: string[]
  /** Cache ids of the dependencies, without repeats. */
  deps: string[]
  /** StepSpec.nearSubmitter. */
  nearSubmitter: boolean
}

const CACHE_ID = /^[0-9a-f]{64}$/

/** Checks a planned job and orders its steps so every dependency comes first. */
export function checkJobSpec (spec: JobSpec): CheckedJob {
  const where = `job ${spec.jobId}`
  if (typeof spec.jobId !== 'string' || spec.jobId === '') throw new JobSpecInvalidError('job has no jobId')
  if (!Number.isFinite(spec.submittedAt)) throw new JobSpecInvalidError(`${where}: submittedAt is not a number`)
  if (spec.steps.length === 0) throw new JobSpecInvalidError(`${where}: has no steps`)
  const byId = new Map<string, StepSpec>()
  const cacheIdOwner = new Map<string, StepSpec>()
  for (const step of spec.steps) {
    if (byId.has(step.stepId)) throw new JobSpecInvalidError(`${where}: step ${step.stepId} appears twice`)
    if (!CACHE_ID.test(step.cacheId)) throw new JobSpecInvalidError(`${where}: step ${step.stepId}: cacheId is not 64 hex characters`)
    const other = cacheIdOwner.get(step.cacheId)
    if (other !== undefined && other.type !== step.type) {
      throw new JobSpecInvalidError(`${where}: steps ${other.stepId} and ${step.stepId} share cacheId ${step.cacheId} but not their type`)
    }
    byId.set(step.stepId, step)
    cacheIdOwner.set(step.cacheId, step)
  }
  for (const step of spec.steps) {
    for (const dep of step.deps) {
      if (!byId.has(dep)) throw new JobSpecInvalidError(`${where}: step ${step.stepId}: dependency ${dep} is not a step of the job`)
    }
  }
  if (!byId.has(spec.output)) throw new JobSpecInvalidError(`${where}: output ${spec.output} is not a step of the job`)

  const ordered: CheckedStep[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (step: StepSpec, path: string[]): void => {
    const s = state.get(step.stepId)
    if (s === 'done') return
    if (s === 'visiting') throw new JobSpecInvalidError(`${where}: steps form a cycle: ${[...path, step.stepId].join(' → ')}`)
    state.set(step.stepId, 'visiting')
    for (const dep of step.deps) visit(byId.get(dep) as StepSpec, [...path, step.stepId])
    state.set(step.stepId, 'done')
    ordered.push({
      stepId: step.stepId,
      cacheId: step.cacheId,
      type: step.type,
      requires: [...new Set(step.requires ?? [])].sort(),
      deps: [...new Set(step.deps.map(d => (byId.get(d) as StepSpec).cacheId))],
      nearSubmitter: step.nearSubmitter === true
    })
  }
  // Keep the planner's order where it already respects dependencies.
  for (const step of spec.steps) visit(step, [])
  const output = ordered.find(s => s.stepId === spec.output) as CheckedStep
  if (output.deps.includes(output.cacheId) || ordered.some(s => s.deps.includes(s.cacheId))) {
    throw new JobSpecInvalidError(`${where}: a step depends on a step with its own cacheId`)
  }
  return { jobId: spec.jobId, submittedAt: spec.submittedAt, steps: ordered, output }
}
