import type { ApiEventInput } from '../../api/index.ts'
import type { CoordinatorEvent } from '../core/events.ts'
import { defined } from '../../defined.ts'

/**
 * The coordinator's monitoring events as the event stream carries them
 * (docs/API.md, "Events"): `step.<state>`, `job.<state>`, `node.paused`,
 * `result.mismatch`. Durations are whole milliseconds.
 */
export function apiEventOf (event: CoordinatorEvent): ApiEventInput {
  switch (event.kind) {
    case 'step': {
      const ref = event.refs[0]
      return {
        type: `step.${lower(event.state)}`,
        ...(ref !== undefined ? { job: ref.jobId, step: ref.stepId } : {}),
        jobs: event.refs.map(r => r.jobId),
        cacheId: event.cacheId,
        peer: event.node,
        epoch: event.epoch,
        attempt: event.attempt,
        ...(event.waitedMs !== undefined ? { waitedMs: Math.round(event.waitedMs) } : {}),
        ...(event.durationMs !== undefined ? { durationMs: Math.round(event.durationMs) } : {}),
        ...defined({ reason: event.reason }),
        ...defined({ error: event.errorTail })
      }
    }
    case 'job':
      return { type: `job.${event.state}`, job: event.jobId, ...defined({ output: event.outputCid }), ...defined({ error: event.errorTail }) }
    case 'pause':
      return { type: 'node.paused', gapMs: Math.round(event.gapMs) }
    case 'mismatch':
      return { type: 'result.mismatch', cacheId: event.cacheId, jobs: event.refs.map(r => r.jobId), kept: event.kept, results: event.results }
  }
}

function lower<S extends string> (state: S): Lowercase<S> {
  return state.toLowerCase() as Lowercase<S>
}
