import type { ApiEvent, JobDetail } from '../api/index.ts'
import type { RenderEvent } from '../engine/index.ts'
import type { LiveUpdate } from './live-model.ts'
import { defined, present } from '../defined.ts'

/**
 * What feeds the live model (./live-model.ts): the engine's events of a render
 * on this machine, or a daemon's view of a job (its steps, re-read) and its
 * event stream (step changes anywhere in the cluster, progress of steps on
 * this node, heartbeats carrying the progress of steps on the others).
 */

/** A render on this machine. */
export function fromRenderEvent (event: RenderEvent, at: number): LiveUpdate | undefined {
  switch (event.type) {
    case 'plan':
      return { kind: 'steps', recipe: event.recipe, at, steps: event.list.map(s => ({ step: s.stepId, type: s.stepType, cacheId: s.cacheId, ...defined({ frames: s.frames }) })) }
    case 'step_cached':
      return { kind: 'state', at, step: event.stepId, state: 'cached' }
    case 'step_skipped':
      return { kind: 'state', at, step: event.stepId, state: 'skipped' }
    case 'step_started':
      return { kind: 'state', at, step: event.stepId, state: 'running' }
    case 'step_progress':
      return { kind: 'progress', at, step: event.stepId, fraction: event.fraction }
    case 'step_completed':
      return { kind: 'state', at, step: event.stepId, state: 'completed' }
    case 'step_failed':
      return { kind: 'state', at, step: event.stepId, state: 'failed', error: event.error }
  }
}

/** A daemon's view of the job: every step as it stands (re-read when events come, and now and then). */
export function fromJobDetail (job: JobDetail, at: number): LiveUpdate[] {
  const updates: LiveUpdate[] = [{ kind: 'steps', recipe: job.recipe, at, steps: job.steps.map(s => ({ step: s.step, type: s.type, cacheId: s.cacheId, state: s.state, peer: s.peer, ...present({ frames: s.frames }) })) }]
  if (job.state !== 'running') updates.push({ kind: 'job', at, state: job.state, ...present({ error: job.error }) })
  return updates
}

/**
 * One event of the daemon's stream, for the job followed: `steps` maps its cache ids to
 * its step names (a cache id can stand for several steps of a job).
 */
export function fromApiEvent (event: ApiEvent, job: string, steps: ReadonlyMap<string, string[]>, at: number): LiveUpdate[] {
  const named = (cacheId: string): string[] => steps.get(cacheId) ?? []
  switch (event.type) {
    case 'step.pending':
    case 'step.claimed':
    case 'step.running':
    case 'step.completed':
    case 'step.cached':
    case 'step.failed':
    case 'step.aborted':
    case 'step.lost': {
      if (event.job !== job && !event.jobs.includes(job)) return []
      const state = event.type.slice('step.'.length) as typeof STEP_EVENT_STATE_OF[number]
      const mapped = mapStepState(state)
      if (mapped === undefined) return []
      return named(event.cacheId).map(step => ({
        kind: 'state',
        at,
        step,
        state: mapped,
        peer: event.peer,
        ...(state === 'claimed' && event.reason === 'takeover' ? { takeover: true } : {}),
        ...(state === 'claimed' && event.reason === 'confirm' ? { confirm: true } : {}),
        ...defined({ error: event.error })
      }))
    }
    case 'step.progress':
      if (event.job !== undefined && event.job !== job) return []
      return named(event.cacheId).map(step => ({ kind: 'progress', at, step, fraction: event.progress, startedAt: event.startedAt }))
    case 'heartbeat':
      // Other nodes' running steps, with ffmpeg's progress: the bars of steps running elsewhere.
      return (event.steps ?? []).flatMap(s => named(s.cacheId).map((step): LiveUpdate => ({ kind: 'progress', at, step, fraction: s.progress, startedAt: s.startedAt })))
    case 'job.completed':
    case 'job.failed':
    case 'job.cancelled':
      if (event.job !== job) return []
      return [{ kind: 'job', at, state: event.type.slice('job.'.length) as 'completed' | 'failed' | 'cancelled', ...defined({ error: event.error }) }]
    default:
      return []
  }
}

const STEP_EVENT_STATE_OF = ['pending', 'claimed', 'running', 'completed', 'cached', 'failed', 'aborted', 'lost'] as const

/** A step event's state as a step state: an aborted or lost run leaves the step pending (another node takes it). */
function mapStepState (state: typeof STEP_EVENT_STATE_OF[number]): LiveUpdate extends infer U ? U extends { kind: 'state', state: infer S } ? S : never : never {
  return state === 'aborted' || state === 'lost' ? 'pending' : state
}
