import { framesProgress, partStateOf } from '../plan/index.ts'
import type { ApiEventInput, JobDetail, JobStep, JobSummary } from '../api/index.ts'
import type { PartState } from '../plan/index.ts'

/**
 * `job.progress` events: for each running job with a transcode's chunks, its
 * progress in frames as this node sees it (src/plan/transcode/progress.ts,
 * the same computation as the CLI's live display): the chunks' states from
 * the job, the fraction of the running ones from this node's executions and
 * the other nodes' heartbeats.
 */

/** A step running somewhere, as this node knows it. */
export interface RunningElsewhere {
  peer: string
  cacheId: string
  startedAt: number
  progress: number | null
}

export interface JobProgressComponents {
  jobs: {
    list: (filter: { state?: 'running' }) => Promise<JobSummary[]>
    get: (id: string) => Promise<JobDetail>
  }
  /** Every running step this node knows of: its own and those the members' last heartbeats carry. */
  running: () => RunningElsewhere[]
}

export class JobProgress {
  readonly #c: JobProgressComponents
  /** Per running job, when its first chunk was seen running: the start of the pace. */
  readonly #since = new Map<string, number>()

  constructor (components: JobProgressComponents) {
    this.#c = components
  }

  async events (now: number): Promise<ApiEventInput[]> {
    const jobs = (await this.#c.jobs.list({ state: 'running' })).filter(job => job.progress.frames !== undefined)
    for (const id of this.#since.keys()) if (!jobs.some(job => job.id === id)) this.#since.delete(id)
    if (jobs.length === 0) return []
    const running = new Map(this.#c.running().map(step => [step.cacheId, step]))
    const out: ApiEventInput[] = []
    for (const summary of jobs) {
      const job = await this.#c.jobs.get(summary.id)
      const parts = job.steps.flatMap(step => step.frames != null ? [partOf(step, step.frames, running.get(step.cacheId))] : [])
      for (const part of parts) {
        if (part.startedAt !== null && part.startedAt < (this.#since.get(job.id) ?? Infinity)) this.#since.set(job.id, part.startedAt)
      }
      const progress = framesProgress(parts, now, this.#since.get(job.id) ?? null)
      out.push({ type: 'job.progress', job: job.id, frames: progress.frames, fps: progress.fps, etaMs: progress.etaMs, nodes: progress.nodes })
    }
    return out
  }
}

function partOf (step: JobStep, frames: number, running: RunningElsewhere | undefined): PartState {
  const state = partStateOf(step.state)
  if (state !== 'running') return { step: step.step, frames, state, peer: step.peer, fraction: null, startedAt: null }
  return { step: step.step, frames, state, peer: running?.peer ?? step.peer, fraction: running?.progress ?? null, startedAt: running?.startedAt ?? null }
}
