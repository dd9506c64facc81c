import { describe, expect, it } from 'vitest'
import { apiEventSchema } from '../../../src/api/events.ts'
import { eventFilter } from '../../../src/api/server/handlers/events.ts'
import type { ApiEvent } from '../../../src/api/events.ts'

describe('the event stream', () => {
  it('filters by type or type prefix (`step` is step and step.*, not steps) and by job', () => {
    const of = (type: string, job?: string): ApiEvent => ({ type, time: 0, ...(job !== undefined ? { job } : {}) }) as unknown as ApiEvent
    const steps = eventFilter(['step'], undefined)
    expect([of('step'), of('step.running'), of('steps'), of('job.completed')].map(steps)).toEqual([true, true, false, false])
    const ofJob = eventFilter([], 'j1')
    expect([of('job.completed', 'j1'), of('job.completed', 'j2'), of('heartbeat')].map(ofJob)).toEqual([true, false, false])
  })

  it("knows the job service's step and job events as they are emitted, and refuses a malformed one", () => {
    const step = { type: 'step.lost', time: 1, jobs: ['j1'], cacheId: 'c', peer: 'p', epoch: 2, attempt: 1, reason: 'holder dead' }
    expect(apiEventSchema.parse(step)).toEqual(step)
    expect(apiEventSchema.parse({ type: 'job.cancelled', time: 1, job: 'j1' })).toMatchObject({ type: 'job.cancelled' })
    expect(apiEventSchema.safeParse({ type: 'step.running', time: 1, jobs: [], cacheId: 'c', peer: 'p', epoch: 1, attempt: 0, waitedMs: 1.5 }).success).toBe(false)
    expect(apiEventSchema.safeParse({ type: 'heartbeat', time: 1 }).success).toBe(false)
  })
})
