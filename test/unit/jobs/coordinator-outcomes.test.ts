import { describe, expect, it } from 'vitest'
import { SnapshotInvalidError } from '../../../src/jobs/errors.ts'
import { A, B, C, cacheId, chainJob, cidOf, claim, effects, failed, jobId, merge, missAll, node, runUntil, sent, view } from './fixtures.ts'

describe('StepCoordinator: failures, cancellation, restarts', () => {
  it('reports a failure, leaves the retry to another node after the backoff, and fails the job after maxAttempts with the error tail', () => {
    const step = cacheId(1)
    const c = node(A, { retryBackoffMs: 1000 })
    c.onViewChanged(view(A, [B, C]), 0)
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    // Whoever ranks first claims; make A hold it for the test.
    let t = 1
    while (effects(c.tick(t), 'startExecution').length === 0 && c.job(jobId(1), t)?.steps[0]?.state !== 'RUNNING') t += 50
    const ref = { jobId: jobId(1), stepId: 's0', cacheId: step, epoch: 1 }
    const out = c.onExecutionFailed(ref, 'Error while filtering\nConversion failed!', 500)
    expect(sent(out, 'step_failed')).toMatchObject([{ cacheId: step, epoch: 1, holder: A, attempt: 1, failures: [{ holder: A, epoch: 1 }], errorTail: 'Error while filtering\nConversion failed!' }])
    // A failed it and B and C have not: A never claims it again.
    for (let now = 600; now < 5000; now += 250) expect(sent(c.tick(now), 'lease_claim')).toEqual([])

    c.onMessage(claim(B, step, 2), 4500)
    c.onMessage(failed(B, step, 2, [{ holder: A, epoch: 1 }, { holder: B, epoch: 2 }], 'B: Conversion failed!'), 5000)
    c.onMessage(claim(C, step, 3), 5500)
    const last = c.onMessage(failed(C, step, 3, [{ holder: A, epoch: 1 }, { holder: B, epoch: 2 }, { holder: C, epoch: 3 }], 'C: Conversion failed!'), 6000)
    expect(effects(last, 'jobFinished')).toEqual([{
      type: 'jobFinished',
      result: { jobId: jobId(1), state: 'failed', failure: { stepId: 's0', cacheId: step, attempts: 3, nodes: [A, B, C], errorTail: 'C: Conversion failed!' } }
    }])
    expect(c.job(jobId(1), 6000)?.steps[0]).toMatchObject({ state: 'FAILED', attempts: 3, errorTail: 'C: Conversion failed!' })
  })

  it('nudges the others when a step it may not run stays unclaimed for a ttl', () => {
    const [s0, s1] = [cacheId(1), cacheId(2)]
    const c = node(A)
    c.onViewChanged(view(A, [B]), 0)
    c.onMessage({ v: 1, type: 'step_completed', jobId: jobId(1), stepId: 's0', cacheId: s0, cid: cidOf(s0), epoch: 1, holder: A, sender: C, attestations: [{ peer: A, epoch: 1 }], cached: false, sentAt: 0 }, 0)
    // A failed s1 before it restarted; C relays that.
    c.onMessage({ ...failed(A, s1, 1, [{ holder: A, epoch: 1 }], 'x'), sender: C }, 0)
    missAll(c, c.onJobReceived(chainJob(jobId(1), [s0, s1]), 0), 1)
    // So B should claim s1; B never does (it missed s0's result, say).
    let nudge = merge([])
    for (let t = 500; t <= 7000 && nudge.effects.length === 0; t += 500) nudge = merge([c.tick(t)].map(o => ({ ...o, effects: o.effects.filter(e => e.type !== 'event') })))
    expect(effects(nudge, 'lookupCache')).toMatchObject([{ cacheIds: [s1] }])
    expect(sent(nudge, 'step_completed')).toMatchObject([{ cacheId: s0, cid: cidOf(s0) }])
    expect(sent(nudge, 'step_failed')).toMatchObject([{ cacheId: s1, failures: [{ holder: A, epoch: 1 }] }])
    expect(sent(nudge, 'lease_claim')).toEqual([])
  })

  it('retries on a node that failed before when every capable node has failed it', () => {
    const step = cacheId(2)
    const c = node(A, { retryBackoffMs: 100 })
    c.onViewChanged(view(A, [B]), 0)
    c.onMessage(failed(A, step, 1, [{ holder: A, epoch: 1 }], 'x'), 0)
    // A failure counts from the holder of a lease this node heard claimed.
    c.onMessage(claim(B, step, 2), 0)
    c.onMessage(failed(B, step, 2, [{ holder: A, epoch: 1 }, { holder: B, epoch: 2 }], 'y'), 0)
    const out = merge(missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1))
    const claims = [...sent(out, 'lease_claim'), ...[100, 150, 200, 250, 300, 350, 400, 450].flatMap(t => sent(c.tick(t), 'lease_claim'))]
    // The backoff after two failures is 200 ms; then A claims (at once, or one rank delay later if B ranks first).
    expect(claims).toMatchObject([{ cacheId: step, epoch: 3, holder: A }])
  })

  it('cancels a job everywhere: aborts and releases its own work, keeps a step another live job shares', () => {
    const [shared, own] = [cacheId(1), cacheId(2)]
    const c = node(A, { slots: 2 })
    const job1 = {
      jobId: jobId(1),
      submittedAt: 0,
      output: 'out',
      steps: [
        { stepId: 'shared', cacheId: shared, type: 'source', deps: [] },
        { stepId: 'own', cacheId: own, type: 'source', deps: [] },
        { stepId: 'out', cacheId: cacheId(3), type: 'concat', deps: ['shared', 'own'] }
      ]
    }
    const job2 = { jobId: jobId(2), submittedAt: 1, output: 'x', steps: [{ stepId: 'x', cacheId: shared, type: 'source', deps: [] }] }
    missAll(c, c.onJobReceived(job1, 0), 1)
    c.onJobReceived(job2, 1)
    let started = 0
    const run = runUntil(c, 2, 5000, out => (started += effects(out, 'startExecution').length) === 2)
    expect(effects(run, 'startExecution')).toHaveLength(2)
    const at = 5001

    const out = c.onMessage({ v: 1, type: 'job_cancelled', jobId: jobId(1), by: B, sentAt: 0 }, at)
    expect(effects(out, 'abortExecution')).toMatchObject([{ execution: { cacheId: own }, reason: 'cancelled' }])
    expect(sent(out, 'lease_release')).toMatchObject([{ cacheId: own, epoch: 1, holder: A, reason: 'cancelled' }])
    expect(effects(out, 'jobFinished')).toEqual([{ type: 'jobFinished', result: { jobId: jobId(1), state: 'cancelled', reason: undefined } }])
    expect(c.job(jobId(2), at)?.steps[0]?.state).toBe('RUNNING')
    expect(c.heartbeatSummary(at).jobs).toEqual([{ jobId: jobId(2), state: 'running' }, { jobId: jobId(1), state: 'cancelled' }])
  })

  it('publishes a local cancel, and keeps a job cancelled whose submission arrives after its cancel', () => {
    const c = node(A)
    expect(sent(c.cancelJob(jobId(1), 0, 'user request'), 'job_cancelled')).toMatchObject([{ jobId: jobId(1), by: A, reason: 'user request' }])
    const out = c.onJobReceived(chainJob(jobId(1), [cacheId(1)]), 5)
    expect(effects(out, 'jobFinished')).toMatchObject([{ result: { state: 'cancelled' } }])
    expect(effects(out, 'lookupCache')).toEqual([])
  })

  it('restores from a snapshot: releases the leases it held, keeps epochs growing, resumes the job', () => {
    const step = cacheId(1)
    const before = node(A)
    missAll(before, before.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    expect(sent(runUntil(before, 2, 5000, out => sent(out, 'lease_claim').length > 0), 'lease_claim')).toMatchObject([{ cacheId: step, epoch: 1 }])
    const snapshot = JSON.parse(JSON.stringify(before.snapshot()))

    const after = node(A, { rejoinQuietMs: 2500 })
    const restored = after.restore(snapshot, 50_000)
    expect(sent(restored, 'lease_release')).toMatchObject([{ cacheId: step, epoch: 1, holder: A, reason: 'restarted' }])
    expect(effects(restored, 'lookupCache')).toMatchObject([{ cacheIds: [step] }])
    const looked = merge(missAll(after, restored, 50_010))
    expect(sent(looked, 'lease_claim')).toEqual([])
    let claims: unknown[] = []
    for (let t = 50_500; t <= 52_510 && claims.length === 0; t += 500) claims = sent(after.tick(t), 'lease_claim')
    expect(claims).toMatchObject([{ cacheId: step, epoch: 2 }])
  })

  it('refuses a snapshot of another node', () => {
    const snapshot = node(B).snapshot()
    expect(() => node(A).restore(snapshot, 0)).toThrow(SnapshotInvalidError)
    expect(() => node(A).restore({ v: 1 }, 0)).toThrow(/coordinator snapshot is invalid: self/)
  })

  it('learns leases from heartbeats and asks for jobs a peer knows and it does not', () => {
    const step = cacheId(1)
    const c = node(A)
    const out = c.onHeartbeat(B, { leases: [{ cacheId: step, epoch: 3 }], jobs: [{ jobId: jobId(9), state: 'running' }] }, 10)
    expect(effects(out, 'fetchJob')).toEqual([{ type: 'fetchJob', jobId: jobId(9), from: B }])
    expect(c.leaseStatus(step, 10)).toMatchObject({ state: 'held', holder: B, epoch: 3 })
    // Asked once per jobFetchRetryMs.
    expect(effects(c.onHeartbeat(C, { leases: [], jobs: [{ jobId: jobId(9), state: 'running' }] }, 2000), 'fetchJob')).toEqual([])
  })

  it('tells a peer that still runs a job how it ended', () => {
    const step = cacheId(1)
    const c = node(A)
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    c.tick(11)
    c.onExecutionFinished({ jobId: jobId(1), stepId: 's0', cacheId: step, epoch: 1 }, cidOf(step), 100)
    const out = c.onHeartbeat(B, { leases: [], jobs: [{ jobId: jobId(1), state: 'running' }] }, 200)
    expect(sent(out, 'step_completed')).toMatchObject([{ cacheId: step, cid: cidOf(step), holder: A }])
  })

  it('runs a failed job on when a result for the step that failed turns up after all', () => {
    const [s0, s1] = [cacheId(1), cacheId(2)]
    const c = node(A, { maxAttempts: 1, confirmations: 1 })
    c.onMessage(claim(B, s0, 1), 0)
    c.onMessage(failed(B, s0, 1, [{ holder: B, epoch: 1 }], 'Conversion failed!'), 0)
    // The job fails once its lookups said the failed step's result is nowhere.
    expect(effects(merge(missAll(c, c.onJobReceived(chainJob(jobId(1), [s0, s1]), 1), 2)), 'jobFinished')).toMatchObject([{ result: { state: 'failed' } }])
    const out = c.onMessage({ v: 1, type: 'step_completed', jobId: jobId(1), stepId: 's0', cacheId: s0, cid: cidOf(s0), epoch: 2, holder: C, sender: C, attestations: [{ peer: C, epoch: 2 }], cached: false, sentAt: 0 }, 10)
    expect(effects(out, 'event').map(e => e.event)).toContainEqual({ kind: 'job', at: 10, jobId: jobId(1), state: 'running' })
    expect(c.job(jobId(1), 10)?.state).toBe('running')
    c.onCacheLookupResult(s1, undefined, 11)
    expect(sent(runUntil(c, 12, 5000, out => sent(out, 'lease_claim').length > 0), 'lease_claim')).toMatchObject([{ cacheId: s1 }])
  })

  it('turns a failed job completed when its output turns up after all', () => {
    const step = cacheId(1)
    const c = node(A, { maxAttempts: 1 })
    c.onMessage(claim(B, step, 1), 0)
    c.onMessage(failed(B, step, 1, [{ holder: B, epoch: 1 }], 'Conversion failed!'), 0)
    const received = merge(missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 1), 2))
    expect(effects(received, 'jobFinished')).toMatchObject([{ result: { state: 'failed' } }])
    const lookup = c.onHeartbeat(C, { leases: [], jobs: [{ jobId: jobId(1), state: 'completed' }] }, 10)
    expect(effects(lookup, 'lookupCache')).toMatchObject([{ cacheIds: [step] }])
    const found = c.onCacheLookupResult(step, cidOf(step), 20)
    expect(effects(found, 'jobFinished')).toMatchObject([{ result: { state: 'completed', outputCid: cidOf(step) } }])
  })
})

describe('StepCoordinator: housekeeping', () => {
  it('forgets finished jobs and their work after finishedJobRetentionMs', () => {
    const step = cacheId(1)
    const c = node(A, { finishedJobRetentionMs: 1000 })
    c.onMessage({ v: 1, type: 'step_completed', jobId: jobId(1), stepId: 's0', cacheId: step, cid: cidOf(step), epoch: 1, holder: B, sender: B, attestations: [{ peer: B, epoch: 1 }], cached: false, sentAt: 0 }, 0)
    c.onJobReceived(chainJob(jobId(1), [step]), 0)
    expect(c.job(jobId(1), 0)?.state).toBe('completed')
    for (let t = 1000; t <= 61_000; t += 1000) c.tick(t)
    expect(c.job(jobId(1), 61_000)).toBeUndefined()
    expect(c.snapshot()).toMatchObject({ jobs: [], completions: [] })
  })
})
