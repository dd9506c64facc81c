import { describe, expect, it } from 'vitest'
import { A, B, C, cacheId, chainJob, cidOf, claim, effects, jobId, merge, missAll, near, node, runUntil, sent } from './fixtures.ts'
import type { StepCompletedMessage } from '../../../src/protocol/index.ts'
import type { JobSpec } from '../../../src/jobs/core/types.ts'

/**
 * A job its submitter completes at once from its own cache index (`artdag render` filled it, then
 * `artdag submit` on that home): with trust.confirmations 2 the others do not count that index's
 * word as the step's result, but the job is its submitter's, and it is done. No other node may
 * plan, claim or run its steps, and no node shows a step running for it.
 */

const S0 = cacheId(301)
const S1 = cacheId(302)

function teaser (submitter: string, id = jobId(1)): JobSpec {
  return { ...chainJob(id, [S0, S1]), submitter }
}

/** What a node publishes when its own index holds a step's output: epoch 0, cached, its own attestation. */
function indexWord (sender: string, step = S1, id = jobId(1)): StepCompletedMessage {
  return { v: 1, type: 'step_completed', jobId: id, stepId: 's1', cacheId: step, cid: cidOf(step), epoch: 0, holder: sender, sender, cached: true, attestations: [{ peer: sender, epoch: 0 }], sentAt: 0 }
}

describe('StepCoordinator: a job its submitter completed on its own index', () => {
  it("ends the job at once when the submitter's word arrives before the job, and never claims its steps", () => {
    const b = node(B, { confirmations: 2 })
    near(b, [A, C])
    b.tick(0)
    b.onMessage(indexWord(A), 5)
    const received = b.onJobReceived(teaser(A), 10, { scope: 'index' })
    expect(effects(received, 'jobFinished')).toMatchObject([{ result: { state: 'completed', outputCid: cidOf(S1) } }])
    const later = merge([...missAll(b, received, 11), runUntil(b, 12, 10_000)])
    expect(sent(later, 'lease_claim')).toEqual([])
    expect(effects(later, 'startExecution')).toEqual([])
    // The submitter's word is about its job, not the step's result: nothing is written to the cache.
    expect(b.knownResult(S1)).toBeUndefined()
    expect(effects(later, 'putCacheRecord')).toEqual([])
    expect(b.job(jobId(1), 10_000)).toMatchObject({ state: 'completed', outputCid: cidOf(S1) })
    // Its output is shown as the submitter's: the pinners fetch it from there, and provenance names it.
    expect(b.job(jobId(1), 10_000)?.steps.find(step => step.cacheId === S1)).toMatchObject({ state: 'CACHED', node: A, cid: cidOf(S1) })
    expect(b.job(jobId(1), 10_000)?.steps.find(step => step.cacheId === S0)).toMatchObject({ state: 'PENDING' })
    // A member's own index is no hostile result: the metric operators watch for those stays at 0.
    expect(b.metrics().resultsRejected).toBe(0)
  })

  it('ends the job and lets go of its claims when the word arrives after the job', () => {
    const b = node(B, { confirmations: 2 })
    near(b, [A, C])
    const received = b.onJobReceived(teaser(A), 0, { scope: 'index' })
    missAll(b, received, 1)
    // B claims the first step before the word arrives (loaded machine, or the job came first).
    const claimed = runUntil(b, 2, 2000, out => sent(out, 'lease_claim').length > 0)
    expect(sent(claimed, 'lease_claim').length).toBeGreaterThan(0)
    const word = b.onMessage(indexWord(A), 2001)
    expect(effects(word, 'jobFinished')).toMatchObject([{ result: { state: 'completed', outputCid: cidOf(S1) } }])
    expect(sent(word, 'lease_release')).toMatchObject([{ reason: 'not_needed' }])
    const later = runUntil(b, 2002, 12_000)
    expect(sent(later, 'lease_claim')).toEqual([])
    expect(effects(later, 'startExecution')).toEqual([])
  })

  it("takes that word from the job's submitter only", () => {
    const b = node(B, { confirmations: 2 })
    near(b, [A, C])
    b.onMessage(indexWord(C), 5)
    const received = b.onJobReceived(teaser(A), 10, { scope: 'index' })
    expect(effects(received, 'jobFinished')).toEqual([])
    expect(b.job(jobId(1), 10)?.state).toBe('running')
    // Nor does the submitter's word about another step end its job.
    b.onMessage(indexWord(A, S0), 20)
    expect(b.job(jobId(1), 20)?.state).toBe('running')
  })

  it('the submitter says so again for a later job of the same output, which its index completes at once', () => {
    const a = node(A, { confirmations: 2 })
    near(a, [B, C])
    const first = a.onJobReceived(teaser(A), 0, { known: new Map([[S1, { cid: cidOf(S1) }]]), scope: 'index' })
    expect(sent(first, 'step_completed')).toMatchObject([{ jobId: jobId(1), cacheId: S1, epoch: 0, cached: true, sender: A }])
    const second = a.onJobReceived(teaser(A, jobId(2)), 100, { scope: 'index' })
    expect(effects(second, 'jobFinished')).toMatchObject([{ result: { state: 'completed', outputCid: cidOf(S1) } }])
    expect(sent(second, 'step_completed')).toMatchObject([{ jobId: jobId(2), cacheId: S1, epoch: 0, cached: true, sender: A }])
    // ... which ends the second job on another node too.
    const b = node(B, { confirmations: 2 })
    near(b, [A, C])
    b.onJobReceived(teaser(A, jobId(2)), 0, { scope: 'index' })
    b.onMessage(sent(second, 'step_completed')[0]!, 10)
    expect(b.job(jobId(2), 10)?.state).toBe('completed')
  })

  it("takes the word for the job it names only: replayed later, it completes no other job of the submitter's", () => {
    const b = node(B, { confirmations: 2 })
    near(b, [A, C])
    b.onJobReceived(teaser(A), 0, { scope: 'index' })
    b.onMessage(indexWord(A, S1, jobId(1)), 5)
    expect(b.job(jobId(1), 5)?.state).toBe('completed')
    // The same word again (any member may relay an old signed message), then a new job of that output.
    b.onMessage(indexWord(A, S1, jobId(1)), 200_000)
    b.onJobReceived(teaser(A, jobId(3)), 200_010, { scope: 'index' })
    expect(b.job(jobId(3), 200_010)?.state).toBe('running')
  })

  it('shows no step of a completed job running, whoever holds a lease on it', () => {
    const a = node(A, { confirmations: 2 })
    near(a, [B, C])
    a.onJobReceived(teaser(A), 0, { known: new Map([[S1, { cid: cidOf(S1) }]]), scope: 'index' })
    // Another node claims the step its output made unnecessary (for a job of its own, or late).
    a.onMessage(claim(B, S0, 1), 10)
    const steps = a.job(jobId(1), 500)?.steps ?? []
    expect(steps.map(s => s.state)).toEqual(['PENDING', 'CACHED'])
  })
})
