import type { JobOutputRecord } from './outputs.ts'
import type { PlannedJob } from './planning.ts'
import type { JobDetail } from '../../api/index.ts'
import type { JobStatus } from '../core/status.ts'

/** The status socket's view of a job, from the coordinator's status and what the adapter knows. */
export function detailOf (status: JobStatus, planned: PlannedJob | undefined, output: JobOutputRecord | undefined, updatedAt: number | undefined): JobDetail {
  const steps = status.steps.map(step => ({
    step: step.stepId,
    type: step.type,
    cacheId: step.cacheId,
    state: step.state,
    peer: step.node ?? null,
    attempts: step.attempts,
    durationMs: step.state === 'COMPLETED' ? (step.durationMs ?? null) : null,
    cached: step.state === 'CACHED',
    cid: step.cid ?? null,
    error: step.errorTail ?? null
  }))
  const count = (pred: (s: typeof steps[number]) => boolean): number => steps.filter(pred).length
  const failure = status.failure
  return {
    id: status.jobId,
    state: status.state,
    recipe: planned?.recipe.name ?? 'unknown',
    label: planned?.doc.label ?? null,
    submitter: planned?.doc.submitter ?? 'unknown',
    submittedAt: status.submittedAt,
    updatedAt: updatedAt ?? status.submittedAt,
    progress: {
      total: steps.length,
      done: count(s => s.state === 'COMPLETED' || s.state === 'CACHED'),
      cached: count(s => s.cached),
      running: count(s => s.state === 'RUNNING' || s.state === 'CLAIMED'),
      failed: count(s => s.state === 'FAILED')
    },
    output: status.outputCid ?? null,
    provenance: output?.provenance ?? null,
    pinnedBy: output?.pinnedBy ?? [],
    error: failure != null ? `step ${failure.stepId} failed after ${failure.attempts} attempt(s) on ${failure.nodes.join(', ')}: ${failure.errorTail}` : null,
    steps,
    mismatches: status.mismatches.map(m => ({ step: m.stepId, cacheId: m.cacheId, kept: m.kept ?? null, cids: m.cids }))
  }
}
