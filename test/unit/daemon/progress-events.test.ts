import { describe, expect, it } from 'vitest'
import type { ApiEvent, RunningStep } from '../../../src/api/schemas.ts'
import { StepProgressEvents } from '../../../src/daemon/progress-events.ts'
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

const STEP: RunningStep = { cacheId: 'a'.repeat(64), type: 'encode', jobId: 'bafyjob', startedAt: 1000, progress: 0.25 }

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
    const progress = new StepProgressEvents({ events, runningSteps: () => [STEP], self: 'me', scheduler })
    await progress.start()
    scheduler.fire()
    expect(published).toEqual([])
    events.subscribers = 1
    scheduler.fire()
    expect(published).toEqual([{ type: 'step.progress', job: 'bafyjob', peer: 'me', cacheId: STEP.cacheId, stepType: 'encode', startedAt: 1000, progress: 0.25 }])
    await progress.stop()
    expect(scheduler.pending.size).toBe(0)
    scheduler.fire()
    expect(published).toHaveLength(1)
  })
})
