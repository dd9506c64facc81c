import { plan as planRecipe } from '../../plan/index.ts'
import { validateRecipe } from '../../plan/index.ts'
import type { JobDocument } from './job-document.ts'
import type { StepCatalog } from '../../plan/index.ts'
import type { Plan, PlannedStep } from '../../plan/index.ts'
import type { Recipe } from '../../plan/index.ts'
import type { JobSpec } from '../core/types.ts'

export interface PlannedJob {
  jobId: string
  doc: JobDocument
  recipe: Recipe
  plan: Plan
  spec: JobSpec
}

/**
 * What a node must be able to encode to run a step: every step that writes the
 * intermediate format needs H.264; `encode` needs its video and audio codecs.
 * Nodes advertise the codecs they have in their heartbeats.
 */
export function requirementsOf (step: PlannedStep, catalog: StepCatalog): string[] {
  // A step type that knows its needs (a hardware encoder for a transcode's chunks) says so itself.
  const declared = catalog.get(step.type)?.requires?.(step.config as Record<string, unknown>)
  if (declared !== undefined) return declared
  switch (step.type) {
    case 'encode': {
      const c = step.config as { codec?: string, audioCodec?: string, container?: string }
      // Absent, encode picks opus for webm and aac for the other containers.
      const audio = c.audioCodec ?? (c.container === 'webm' ? 'opus' : 'aac')
      return [c.codec, audio].filter((x): x is string => typeof x === 'string' && x !== 'none')
    }
    case 'thumbnail':
    case 'analyze':
      return []
    default:
      return ['h264']
  }
}

/** Plans a job document the same way on every node: validation errors name the node and field. */
export function planJob (jobId: string, doc: JobDocument, catalog: StepCatalog): PlannedJob {
  const recipe = validateRecipe(doc.recipe, catalog)
  const plan = planRecipe(recipe, doc.inputs, catalog)
  const spec: JobSpec = {
    jobId,
    steps: plan.steps.map(step => ({
      stepId: step.id,
      cacheId: step.cacheId,
      type: step.type,
      deps: step.inputs.flatMap(input => input.kind === 'step' ? [input.id] : []),
      requires: requirementsOf(step, catalog),
      ...(catalog.get(step.type)?.gathers === true ? { nearSubmitter: true } : {})
    })),
    output: plan.output,
    submittedAt: doc.submittedAt,
    submitter: doc.submitter
  }
  return { jobId, doc, recipe, plan, spec }
}
