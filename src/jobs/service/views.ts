import { runFps } from '../../plan/index.ts'
import type { JobOutputRecord } from './outputs.ts'
import type { JobFacts } from './plans.ts'
import type { JobDetail, StepState } from '../../api/index.ts'
import type { JobStatus, StepStatus } from '../core/status.ts'

/**
 * States are lowercase on the socket; the steps a cancelled job left unfinished are `cancelled`,
 * and those a completed job never needed (its output was found, so nothing upstream ran, and this
 * node has no result of them) are `skipped`.
 */
function stepState (job: JobStatus['state'], step: StepStatus['state']): StepState {
  const state = step.toLowerCase() as Lowercase<StepStatus['state']>
  if (job === 'completed' && state === 'pending') return 'skipped'
  return job === 'cancelled' && (state === 'pending' || state === 'claimed' || state === 'running') ? 'cancelled' : state
}

/** The status socket's view of a job, from the coordinator's status and what the adapter knows. */
export function detailOf (status: JobStatus, facts: JobFacts | undefined, output: JobOutputRecord | undefined, updatedAt: number | undefined): JobDetail {
  // The frames each step encodes, when known before it runs: a transcode's chunks.
  const framesOf = facts?.frames
  const steps = status.steps.map(step => ({
    step: step.stepId,
    type: step.type,
    cacheId: step.cacheId,
    state: stepState(status.state, step.state),
    peer: step.node ?? null,
    // Runs: the failed ones, and the one running or that produced the result.
    attempts: step.attempts + (step.state === 'COMPLETED' || step.state === 'RUNNING' ? 1 : 0),
    durationMs: step.state === 'COMPLETED' ? (step.durationMs ?? null) : null,
    cached: step.state === 'CACHED',
    cid: step.cid ?? null,
    error: step.errorTail ?? null,
    ...withFrames(framesOf?.get(step.stepId) ?? null, step.state === 'COMPLETED' ? step.durationMs : undefined)
  }))
  const parts = steps.filter(s => s.frames != null)
  const count = (pred: (s: typeof steps[number]) => boolean): number => steps.filter(pred).length
  const failure = status.failure
  return {
    id: status.jobId,
    state: status.state,
    recipe: facts?.recipe ?? 'unknown',
    label: facts?.label ?? null,
    submittedBy: facts?.submitter ?? 'unknown',
    submittedAt: status.submittedAt,
    updatedAt: updatedAt ?? status.submittedAt,
    progress: {
      total: steps.length,
      done: count(s => s.state === 'completed' || s.state === 'cached' || s.state === 'skipped'),
      cached: count(s => s.cached),
      running: count(s => s.state === 'running' || s.state === 'claimed'),
      failed: count(s => s.state === 'failed'),
      ...(parts.length > 0
        ? {
          frames: {
            done: parts.reduce((sum, s) => sum + (s.state === 'completed' || s.state === 'cached' ? s.frames ?? 0 : 0), 0),
            total: parts.reduce((sum, s) => sum + (s.frames ?? 0), 0)
          }
        }
        : {})
    },
    output: status.outputCid ?? null,
    provenance: output?.provenance ?? null,
    pinnedBy: output?.pinnedBy ?? [],
    error: failure != null ? `step ${failure.stepId} failed after ${failure.attempts} attempt(s) on ${failure.nodes.join(', ')}: ${failure.errorTail}` : null,
    steps,
    mismatches: status.mismatches.map(m => ({ step: m.stepId, cacheId: m.cacheId, kept: m.kept ?? null, cids: m.cids }))
  }
}

/** A step's frames and, once a run of it produced the output, its speed in frames per second; nothing for other steps. */
function withFrames (frames: number | null, durationMs: number | undefined): { frames?: number, fps?: number | null } {
  if (frames === null) return {}
  return { frames, fps: runFps(frames, durationMs) }
}
