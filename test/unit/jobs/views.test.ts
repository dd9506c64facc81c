import { describe, expect, it } from 'vitest'
import { detailOf } from '../../../src/jobs/service/views.ts'
import type { JobStatus, StepStatus } from '../../../src/jobs/core/status.ts'
import { A, cacheId, cidOf, jobId } from './fixtures.ts'

/** The socket's view of a job (src/jobs/service/views.ts). */

function step (n: number, state: StepStatus['state']): StepStatus {
  const id = cacheId(n)
  return { stepId: `s${n}`, cacheId: id, type: 'generate', state, attempts: 0, ...(state === 'CACHED' ? { node: A, epoch: 0, cid: cidOf(id) } : {}) }
}

function job (state: JobStatus['state'], steps: StepStatus[]): JobStatus {
  return { jobId: jobId(1), state, submittedAt: 0, receivedAt: 0, steps, mismatches: [], ...(state === 'completed' ? { outputCid: steps.at(-1)?.cid ?? '' } : {}) }
}

describe('a job on the socket', () => {
  it('shows the steps a completed job did not need (its output was cached, nothing upstream was looked up) as skipped, and counts them done', () => {
    const detail = detailOf(job('completed', [step(1, 'PENDING'), step(2, 'PENDING'), step(3, 'CACHED')]), undefined, undefined, undefined)
    expect(detail.steps.map(s => s.state)).toEqual(['skipped', 'skipped', 'cached'])
    expect(detail.progress).toMatchObject({ total: 3, done: 3, cached: 1 })
  })

  it('keeps pending the steps of a running job, and cancelled those of a cancelled one', () => {
    expect(detailOf(job('running', [step(1, 'PENDING'), step(2, 'CACHED')]), undefined, undefined, undefined).steps.map(s => s.state)).toEqual(['pending', 'cached'])
    expect(detailOf(job('cancelled', [step(1, 'PENDING'), step(2, 'CACHED')]), undefined, undefined, undefined).steps.map(s => s.state)).toEqual(['cancelled', 'cached'])
  })
})
