import { describe, expect, it } from 'vitest'
import type { JobSpec } from '../../../src/jobs/core/types.ts'
import { A, B, cacheId, cacheIdRankedFirst, chainJob, cidOf, effects, jobId, merge, missAll, near, node, sent } from './fixtures.ts'

describe('StepCoordinator: running a job', () => {
  it('looks every step up first, then claims, waits the settle window, runs, and completes the job', () => {
    const c = node(A)
    const [s0, s1] = [cacheId(1), cacheId(2)]
    const received = c.onJobReceived(chainJob(jobId(1), [s0, s1]), 0)
    expect(effects(received, 'lookupCache')).toEqual([{ type: 'lookupCache', cacheIds: [s0, s1], deadline: 1000, scope: 'network' }])
    expect(sent(received, 'lease_claim')).toEqual([])

    // Decisions are taken on the wake-up that follows, once every waiting message has been read.
    const looked = merge(missAll(c, received, 5))
    expect(sent(looked, 'lease_claim')).toEqual([])
    expect(looked.nextWakeAt).toBe(5)
    const claimed = c.tick(5)
    expect(sent(claimed, 'lease_claim')).toMatchObject([{ cacheId: s0, epoch: 1, holder: A, jobId: jobId(1), stepId: 's0' }])
    expect(effects(claimed, 'startExecution')).toEqual([])
    expect(claimed.nextWakeAt).toBe(15)

    const started = c.tick(15)
    expect(effects(started, 'startExecution')).toEqual([{ type: 'startExecution', execution: { jobId: jobId(1), stepId: 's0', cacheId: s0, epoch: 1 } }])
    expect(c.job(jobId(1), 15)?.steps.map(s => s.state)).toEqual(['RUNNING', 'PENDING'])

    const done0 = c.onExecutionFinished({ jobId: jobId(1), stepId: 's0', cacheId: s0, epoch: 1 }, cidOf(s0), 400, 385)
    expect(sent(done0, 'step_completed')).toMatchObject([{ cacheId: s0, cid: cidOf(s0), epoch: 1, holder: A, cached: false, durationMs: 385 }])
    expect(effects(done0, 'putCacheRecord')).toEqual([{ type: 'putCacheRecord', cacheId: s0, cid: cidOf(s0), stepType: 'source', attestations: [{ peer: A, epoch: 1 }] }])
    expect(sent(c.tick(400), 'lease_claim')).toMatchObject([{ cacheId: s1, epoch: 1 }])

    c.tick(410)
    const done1 = c.onExecutionFinished({ jobId: jobId(1), stepId: 's1', cacheId: s1, epoch: 1 }, cidOf(s1), 900)
    expect(effects(done1, 'jobFinished')).toEqual([{
      type: 'jobFinished',
      result: { jobId: jobId(1), state: 'completed', outputCid: cidOf(s1), pinners: [A], pinOnSelf: true }
    }])
    expect(c.job(jobId(1), 900)).toMatchObject({ state: 'completed', outputCid: cidOf(s1) })
    expect(c.metrics()).toMatchObject({ stepsRun: 2, stepsCompleted: 2, claims: 2, cacheMisses: 2, jobsCompleted: 1 })
  })

  it('does not claim a step while its lookup is outstanding, and counts a lookup past its deadline as a miss', () => {
    const c = node(A, { cacheLookupTimeoutMs: 300 })
    const out = c.onJobReceived(chainJob(jobId(1), [cacheId(1)]), 0)
    expect(out.nextWakeAt).toBe(300)
    expect(sent(c.tick(299), 'lease_claim')).toEqual([])
    expect(sent(c.tick(300), 'lease_claim')).toHaveLength(1)
    expect(c.metrics()).toMatchObject({ lookupTimeouts: 1, cacheMisses: 1 })
  })

  it('takes a cache hit as the result: no claim, no execution, and the others are told', () => {
    const c = node(A)
    const [s0, s1] = [cacheId(1), cacheId(2)]
    c.onJobReceived(chainJob(jobId(1), [s0, s1]), 0)
    const hit = c.onCacheLookupResult(s1, cidOf(s1), 3)
    expect(sent(hit, 'step_completed')).toMatchObject([{ cacheId: s1, cid: cidOf(s1), cached: true, epoch: 0, holder: A }])
    expect(effects(hit, 'jobFinished')).toMatchObject([{ result: { state: 'completed', outputCid: cidOf(s1) } }])
    // The step before it is no longer needed: nothing to run.
    expect(sent(c.onCacheLookupResult(s0, undefined, 4), 'lease_claim')).toEqual([])
    expect(c.job(jobId(1), 5)?.steps.map(s => s.state)).toEqual(['PENDING', 'CACHED'])
    expect(c.metrics()).toMatchObject({ cacheHits: 1, stepsRun: 0 })
  })

  it('knows the results of the jobs it keeps, from its own runs and from the others', () => {
    const c = node(A)
    const [s0, s1, s2] = [cacheId(1), cacheId(2), cacheId(3)]
    c.onJobReceived(chainJob(jobId(1), [s0, s1]), 0)
    expect(c.knownResult(s1)).toBeUndefined()
    c.onCacheLookupResult(s1, cidOf(s1), 3)
    expect(c.knownResult(s1)).toBe(cidOf(s1))
    c.onMessage({ v: 1, type: 'step_completed', jobId: jobId(1), stepId: 's0', cacheId: s0, cid: cidOf(s0), epoch: 1, holder: B, sender: B, attestations: [{ peer: B, epoch: 1 }], cached: false, sentAt: 0 }, 4)
    expect(c.knownResult(s0)).toBe(cidOf(s0))
    expect(c.knownResult(s2)).toBeUndefined()
  })

  it('stops running a step once a result downstream makes it unnecessary', () => {
    const c = node(A)
    const [s0, s1, s2] = [cacheId(1), cacheId(2), cacheId(3)]
    const received = c.onJobReceived(chainJob(jobId(1), [s0, s1, s2]), 0)
    c.onCacheLookupResult(s0, undefined, 1)
    c.tick(1)
    expect(effects(c.tick(11), 'startExecution')).toHaveLength(1)
    // s1's result turns up (another job, another node): s0 is needed by nothing any more.
    const out = c.onMessage({ v: 1, type: 'step_completed', jobId: jobId(2), stepId: 'x', cacheId: s1, cid: cidOf(s1), epoch: 1, holder: B, sender: B, attestations: [{ peer: B, epoch: 1 }], cached: false, sentAt: 0 }, 20)
    expect(effects(out, 'abortExecution')).toMatchObject([{ execution: { cacheId: s0 }, reason: 'not_needed' }])
    expect(sent(out, 'lease_release')).toMatchObject([{ cacheId: s0, reason: 'not_needed' }])
    expect(effects(received, 'lookupCache')[0]?.cacheIds).toEqual([s0, s1, s2])
  })

  it('runs no more steps at once than it has slots', () => {
    const c = node(A, { slots: 1 })
    const spec = {
      jobId: jobId(1),
      submittedAt: 0,
      output: 'out',
      steps: [
        { stepId: 'a', cacheId: cacheId(1), type: 'source', deps: [] },
        { stepId: 'b', cacheId: cacheId(2), type: 'source', deps: [] },
        { stepId: 'out', cacheId: cacheId(3), type: 'concat', deps: ['a', 'b'] }
      ]
    }
    missAll(c, c.onJobReceived(spec, 0), 1)
    const claims = sent(c.tick(1), 'lease_claim')
    expect(claims.map(m => m.stepId)).toEqual(['a'])
    c.tick(11)
    c.onExecutionFinished({ jobId: jobId(1), stepId: 'a', cacheId: cacheId(1), epoch: 1 }, cidOf(cacheId(1)), 100)
    expect(sent(c.tick(100), 'lease_claim').map(m => m.stepId)).toEqual(['b'])
  })

  it('skips steps whose capability it lacks and leaves them to a capable peer', () => {
    const c = node(A)
    c.onViewChanged({ self: A, members: [{ peerId: B, state: 'alive', slots: 1, capabilities: ['libx264', 'gpu'] }] }, 0)
    const spec = { jobId: jobId(1), submittedAt: 0, output: 'g', steps: [{ stepId: 'g', cacheId: cacheId(1), type: 'source', deps: [], requires: ['gpu'] }] }
    const out = merge(missAll(c, c.onJobReceived(spec, 0), 1))
    expect(sent(out, 'lease_claim')).toEqual([])
    expect(sent(c.tick(5000), 'lease_claim')).toEqual([])
  })

  it('spreads work: the second-ranked node waits rankDelay, and does not claim once the first has', () => {
    const s0 = cacheIdRankedFirst(A, [B])
    const a = node(A)
    const b = node(B)
    near(a, [B])
    near(b, [A])
    const spec = chainJob(jobId(1), [s0])
    missAll(a, a.onJobReceived(spec, 0), 2)
    missAll(b, b.onJobReceived(spec, 0), 2)
    const claim = sent(a.tick(2), 'lease_claim')
    const bOut = b.tick(2)
    expect(claim).toHaveLength(1)
    expect(sent(bOut, 'lease_claim')).toEqual([])
    expect(bOut.nextWakeAt).toBe(62)
    b.onMessage(claim[0]!, 4)
    // Within its settle window A's claim may still lose: B shows it CLAIMED; past it, A runs the step.
    expect(b.job(jobId(1), 10)?.steps[0]).toMatchObject({ state: 'CLAIMED', node: A, epoch: 1 })
    expect(sent(b.tick(62), 'lease_claim')).toEqual([])
    expect(b.job(jobId(1), 62)?.steps[0]).toMatchObject({ state: 'RUNNING', node: A, epoch: 1 })
  })

  it("puts the job's submitter first for a step meant to run near it, and takes it at once when the submitter cannot", () => {
    // B would rank A first for this cache id; the step gathers parts the submitter (B) keeps copies of.
    const s0 = cacheIdRankedFirst(A, [B])
    const spec: JobSpec = { ...chainJob(jobId(1), [s0]), submitter: B }
    const nearB: JobSpec = { ...spec, steps: spec.steps.map(s => ({ ...s, nearSubmitter: true })) }

    const plain = node(A)
    near(plain, [B])
    missAll(plain, plain.onJobReceived(spec, 0), 2)
    expect(sent(plain.tick(2), 'lease_claim')).toHaveLength(1)

    const a = node(A)
    const b = node(B)
    near(a, [B])
    near(b, [A])
    missAll(a, a.onJobReceived(nearB, 0), 2)
    missAll(b, b.onJobReceived(nearB, 0), 2)
    const aOut = a.tick(2)
    expect(sent(aOut, 'lease_claim')).toEqual([])
    expect(aOut.nextWakeAt).toBe(62)
    expect(sent(b.tick(2), 'lease_claim')).toMatchObject([{ cacheId: s0, holder: B }])

    // The submitter gone: A is the best candidate left and claims without waiting.
    const alone = node(A)
    near(alone, [])
    missAll(alone, alone.onJobReceived(nearB, 0), 2)
    expect(sent(alone.tick(2), 'lease_claim')).toMatchObject([{ cacheId: s0, holder: A }])
  })

  it('never asks to be woken later than maxTickIntervalMs, even when idle', () => {
    expect(node(A).tick(0).nextWakeAt).toBe(1000)
  })

  it('holds time still when the clock steps back', () => {
    const c = node(A)
    c.tick(5000)
    expect(c.tick(4000).nextWakeAt).toBe(6000)
    expect(c.metrics().pausesDetected).toBe(0)
  })
})
