import { describe, expect, it } from 'vitest'
import type { ApiEvent, JobDetail, RunningStep } from '../../../src/api/schemas.ts'
import { JobProgress } from '../../../src/daemon/job-progress.ts'
import { StepProgressEvents } from '../../../src/daemon/progress-events.ts'
import { silentLogger } from '../../../src/log.ts'
import type { Scheduler, TimerHandle } from '../../../src/lifecycle/index.ts'

/** A scheduler a test fires by hand. */
class ManualScheduler implements Scheduler {
  readonly pending = new Set<{ fn: () => void, unref: () => void }>()
  setTimeout (fn: () => void): TimerHandle {
    const handle = { fn, unref: () => {} }
    this.pending.add(handle)
    return handle
  }

  clearTimeout (handle: TimerHandle | undefined): void {
    this.pending.delete(handle as { fn: () => void, unref: () => void })
  }

  fire (): void {
    const due = [...this.pending]
    this.pending.clear()
    for (const h of due) h.fn()
  }
}

const STEP: RunningStep = { cacheId: 'a'.repeat(64), type: 'encode', jobId: 'bafyjob', startedAt: 1000, progress: 0.25, frame: 50, speed: 2.5 }

describe('step.progress events', () => {
  it('publishes each running step every interval while someone listens, and nothing once stopped', async () => {
    const published: Array<Partial<ApiEvent>> = []
    const events = {
      subscribers: 0,
      emit: (e: Partial<ApiEvent>) => {
        published.push(e)
      }
    }
    const scheduler = new ManualScheduler()
    const progress = new StepProgressEvents({ events, runningSteps: () => [STEP], self: 'me', scheduler, logger: silentLogger() })
    await progress.start()
    scheduler.fire()
    expect(published).toEqual([])
    events.subscribers = 1
    scheduler.fire()
    expect(published).toEqual([{ type: 'step.progress', job: 'bafyjob', peer: 'me', cacheId: STEP.cacheId, stepType: 'encode', startedAt: 1000, progress: 0.25, frame: 50, speed: 2.5 }])
    await progress.stop()
    expect(scheduler.pending.size).toBe(0)
    scheduler.fire()
    expect(published).toHaveLength(1)
  })

  it("publishes a running transcode's job.progress: chunks from the job, fractions from here and the heartbeats", async () => {
    const chunk = (i: number, state: JobDetail['steps'][number]['state'], peer: string | null) => ({
      step: `film-chunk-00${i}`,
      type: 'transcode_chunk',
      cacheId: `c${i}`,
      state,
      peer,
      attempts: 0,
      durationMs: null,
      cached: state === 'cached',
      cid: null,
      error: null,
      frames: 100,
      fps: null
    })
    const detail = {
      id: 'bafyjob',
      state: 'running',
      progress: { total: 4, done: 2, cached: 1, running: 2, failed: 0, frames: { done: 200, total: 400 } },
      steps: [chunk(0, 'cached', 'a'), chunk(1, 'completed', 'a'), chunk(2, 'running', 'me'), chunk(3, 'claimed', 'b'), { ...chunk(9, 'pending', null), step: 'film', type: 'transcode_join', frames: null }]
    } as unknown as JobDetail
    const jobs = new JobProgress({
      jobs: { list: async () => [detail], get: async () => detail },
      running: () => [{ peer: 'me', cacheId: 'c2', startedAt: 1_000, progress: 0.5 }, { peer: 'b', cacheId: 'c3', startedAt: 2_000, progress: 0.25 }]
    })
    const published: Array<Partial<ApiEvent>> = []
    const scheduler = new ManualScheduler()
    const progress = new StepProgressEvents({ events: { subscribers: 1, emit: e => published.push(e) }, runningSteps: () => [], self: 'me', jobs, scheduler, logger: silentLogger(), clock: { now: () => 6_000, wallNow: () => 6_000 } })
    await progress.start()
    scheduler.fire()
    // The fakes answer at once: one turn of the event loop computes and publishes it.
    await new Promise(resolve => setImmediate(resolve))
    await progress.stop()
    // 200 finished + 50 + 25; 175 encoded in the 5 s since the first chunk began.
    expect(published).toEqual([{
      type: 'job.progress',
      job: 'bafyjob',
      frames: { done: 275, total: 400 },
      fps: 35,
      etaMs: 3571,
      nodes: [{ peer: 'a', running: [], done: 1 }, { peer: 'me', running: ['film-chunk-002'], done: 0 }, { peer: 'b', running: ['film-chunk-003'], done: 0 }]
    }])
  })
})
