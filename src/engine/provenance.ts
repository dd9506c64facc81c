import type { StepReport } from './events.ts'
import type { Plan, Recipe } from '../plan/index.ts'
import { defined, present } from '../defined.ts'

export const PROVENANCE_VERSION = 1

/**
 * The provenance of an output, stored as DAG-JSON beside it. CIDs are strings,
 * not IPLD links, on purpose: pinning the record must not pin every
 * intermediate, which `artdag gc` collects after their time.
 */
export interface Provenance {
  v: typeof PROVENANCE_VERSION
  kind: 'artdag/provenance'
  output: string
  /** Every output node → its CID, for a recipe with several outputs. */
  outputs?: Record<string, string>
  recipe: Recipe
  planId: string
  runId: string
  planner: string
  inputs: Record<string, string>
  steps: Array<{
    id: string
    type: string
    executorVersion: string
    cacheId: string
    config: Record<string, unknown>
    /** null where an input step was skipped (its reader was cached). */
    inputs: Array<string | null>
    /** null for a skipped step. */
    output: string | null
    cached: boolean
    producer: string
    startedAt: number | null
    finishedAt: number | null
    /** How long the run took, when known (a distributed job knows durations, not clock times). */
    durationMs?: number | null
  }>
  /** The ffmpeg that wrote this record (for a local render, the one that ran every step). */
  ffmpeg: { version: string }
  /** For a distributed job: each producer's ffmpeg and artdag versions, as its heartbeats announced them. */
  producers?: Record<string, { ffmpeg: string | null, artdag: string | null }>
  /** Where the record was made: the peer id (or `local`) and the artdag version. */
  node: { id: string, artdag: string }
  jobId?: string
  createdAt: number
}

export interface ProvenanceInit {
  recipe: Recipe
  plan: Plan
  steps: Array<StepReport & { durationMs?: number | null }>
  producers?: Provenance['producers']
  ffmpegVersion: string
  nodeId: string
  artdagVersion: string
  jobId?: string
  now?: number
}

export function buildProvenance (init: ProvenanceInit): Provenance {
  const byId = new Map(init.steps.map(report => [report.id, report]))
  const output = byId.get(init.plan.output)
  if (output?.cid == null) throw new TypeError(`no output for the output step ${init.plan.output}`)
  const outputs = (init.plan.outputs ?? [init.plan.output]).map(id => [id, byId.get(id)?.cid] as const)
  return {
    v: PROVENANCE_VERSION,
    kind: 'artdag/provenance',
    output: output.cid,
    ...(outputs.length > 1 ? { outputs: Object.fromEntries(outputs.map(([id, cid]) => [id, cid ?? ''])) } : {}),
    recipe: init.recipe,
    planId: init.plan.planId,
    runId: init.plan.runId,
    planner: init.plan.planner,
    inputs: init.plan.inputs,
    steps: init.plan.steps.map(step => {
      const report = byId.get(step.id)
      if (report == null) throw new TypeError(`no report for step ${step.id}`)
      return {
        id: step.id,
        type: step.type,
        executorVersion: step.executorVersion,
        cacheId: step.cacheId,
        config: step.config,
        inputs: step.inputs.map(input => input.kind === 'input' ? input.cid : (byId.get(input.id) as StepReport).cid),
        output: report.cid,
        cached: report.cached,
        producer: report.producer,
        startedAt: report.startedAt,
        finishedAt: report.finishedAt,
        ...defined({ durationMs: report.durationMs })
      }
    }),
    ffmpeg: { version: init.ffmpegVersion },
    node: { id: init.nodeId, artdag: init.artdagVersion },
    ...present({ producers: init.producers }),
    ...present({ jobId: init.jobId }),
    createdAt: init.now ?? Date.now()
  }
}
