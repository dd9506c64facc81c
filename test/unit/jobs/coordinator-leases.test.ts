import { describe, expect, it } from 'vitest'
import { rendezvousScore } from '../../../src/lease/rendezvous.ts'
import type { StepCoordinator } from '../../../src/jobs/core/coordinator.ts'
import { A, B, C, cacheId, cacheIdRankedFirst, chainJob, cidOf, claim, effects, jobId, missAll, near, node, sent, view } from './fixtures.ts'

/** A node that holds the lease on the single step of a job, and is running it. */
function running (self: string, step: string, peers: string[] = []): StepCoordinator {
  const c = node(self)
  near(c, peers)
  missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
  expect(sent(c.tick(1), 'lease_claim')).toHaveLength(1)
  expect(effects(c.tick(11), 'startExecution')).toHaveLength(1)
  return c
}

describe('StepCoordinator: leases', () => {
  it('refutes a takeover of the lease it is running: claims above it and keeps running', () => {
    const step = cacheId(7)
    const c = running(A, step)
    // B missed A's renewals and took the lease over; A is alive: it refutes, as a SWIM member refutes suspicion.
    const out = c.onMessage(claim(B, step, 2), 100)
    expect(effects(out, 'abortExecution')).toEqual([])
    expect(sent(out, 'lease_claim')).toMatchObject([{ cacheId: step, epoch: 3, holder: A }])
    expect(c.metrics()).toMatchObject({ refutations: 1, conflictsLost: 0, abortedExecutions: 0 })
    expect(c.job(jobId(1), 100)?.steps[0]).toMatchObject({ state: 'RUNNING', node: A, epoch: 3 })
    // Its result names the lease it holds now.
    const done = c.onExecutionFinished({ jobId: jobId(1), stepId: 's0', cacheId: step, epoch: 1 }, cidOf(step), 500)
    expect(sent(done, 'step_completed')).toMatchObject([{ cacheId: step, epoch: 3, holder: A }])
  })

  it('yields to a takeover after it was paused: its silence was its own', () => {
    const step = cacheId(7)
    const c = running(A, step)
    c.tick(900)
    // Nothing ran for 10 s (a laptop lid): B took over meanwhile, and A reads it on waking up.
    c.tick(10_900)
    const out = c.onMessage(claim(B, step, 2), 10_901)
    expect(effects(out, 'abortExecution')).toEqual([{ type: 'abortExecution', execution: { jobId: jobId(1), stepId: 's0', cacheId: step, epoch: 1 }, reason: 'lost_lease' }])
    expect(c.metrics()).toMatchObject({ refutations: 0, conflictsLost: 1, abortedExecutions: 1, duplicateExecutions: 1 })
    expect(c.job(jobId(1), 10_901)?.steps[0]).toMatchObject({ state: 'CLAIMED', node: B, epoch: 2 })
  })

  it("a taker yields to the holder's refutation and does not take over from it again while it is alive", () => {
    const step = cacheId(9)
    const c = node(A)
    near(c, [B])
    c.onMessage(claim(B, step, 1), 0)
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    // B goes unheard for a ttl: A takes over, and waits for B to refute before it starts.
    for (let t = 500; t < 6000; t += 500) expect(sent(c.tick(t), 'lease_claim')).toEqual([])
    const takeover = sent(c.tick(6000), 'lease_claim')
    expect(takeover).toMatchObject([{ cacheId: step, epoch: 2, holder: A }])
    expect(effects(c.tick(6011), 'startExecution')).toEqual([])
    const refuted = c.onMessage(claim(B, step, 3), 6015)
    expect(effects(refuted, 'startExecution')).toEqual([])
    expect(c.metrics()).toMatchObject({ takeovers: 1, takeoversRefuted: 1 })
    // B alive (in the view) but unheard again: A does not take over from it a second time.
    for (let t = 6500; t <= 20_000; t += 500) expect(sent(c.tick(t), 'lease_claim')).toEqual([])
  })

  it('refuses a claim whose epoch is implausibly far above every known one', () => {
    const step = cacheId(10)
    const c = node(A)
    c.onMessage(claim(B, step, 1), 0)
    c.onMessage(claim(C, step, Number.MAX_SAFE_INTEGER), 1)
    expect(c.leaseStatus(step, 2)).toMatchObject({ state: 'held', holder: B, epoch: 1, maxEpoch: 1 })
    expect(c.metrics().epochsRejected).toBe(1)
  })

  it('gives up a claim still in its settle window when a better concurrent claim arrives', () => {
    const step = cacheIdRankedFirst(B, [A])
    const c = node(A)
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    expect(sent(c.tick(1), 'lease_claim')).toHaveLength(1)
    c.onMessage(claim(B, step, 1), 5)
    expect(effects(c.tick(11), 'startExecution')).toEqual([])
    expect(c.metrics().conflictsLost).toBe(1)
  })

  it('re-asserts its lease at once to a node whose claim loses', () => {
    const step = cacheIdRankedFirst(A, [B])
    const c = running(A, step)
    const out = c.onMessage(claim(B, step, 1), 50)
    expect(sent(out, 'lease_renew')).toMatchObject([{ holder: A, leases: [{ cacheId: step, epoch: 1 }] }])
    expect(effects(out, 'abortExecution')).toEqual([])
    expect(c.metrics().reassertions).toBe(1)
  })

  it('tells a claimant about a claim it missed, whose holder may never correct it', () => {
    const step = cacheIdRankedFirst(B, [C])
    const c = node(A)
    c.onMessage(claim(B, step, 1), 0)
    // B crashed right after claiming; C restarted without hearing of it and claims epoch 1 too.
    const out = c.onMessage(claim(C, step, 1), 100)
    expect(sent(out, 'lease_state')).toMatchObject([{ cacheId: step, epoch: 1, holder: B, released: false, sender: A }])
  })

  it('gives up its claim when told of a better one it missed, and gives that holder a ttl to show up', () => {
    const step = cacheIdRankedFirst(B, [A])
    const c = node(A)
    near(c, [B])
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    expect(sent(c.tick(1), 'lease_claim')).toHaveLength(0)
    // A is ranked second: it claims after one rank delay.
    expect(sent(c.tick(61), 'lease_claim')).toHaveLength(1)
    c.onMessage({ v: 1, type: 'lease_state', cacheId: step, epoch: 1, holder: B, released: false, sender: C, sentAt: 0 }, 65)
    expect(effects(c.tick(71), 'startExecution')).toEqual([])
    // B may be alive: A waits a ttl for its renewals before B's lease lapses.
    expect(c.leaseStatus(step, 6064)).toMatchObject({ state: 'held', holder: B })
    expect(c.leaseStatus(step, 6065)).toMatchObject({ state: 'lapsed', holder: B })
  })

  it('claims again, and keeps running, when its claim lost only to a claim already released', () => {
    const step = cacheIdRankedFirst(B, [A])
    const c = running(A, step)
    const out = c.onMessage({ v: 1, type: 'lease_release', cacheId: step, epoch: 1, holder: B, reason: 'restarted', sentAt: 0 }, 100)
    expect(effects(out, 'abortExecution')).toEqual([])
    expect(sent(out, 'lease_claim')).toMatchObject([{ cacheId: step, epoch: 2, holder: A }])
    const done = c.onExecutionFinished({ jobId: jobId(1), stepId: 's0', cacheId: step, epoch: 1 }, cidOf(step), 500)
    expect(sent(done, 'step_completed')).toMatchObject([{ cacheId: step, epoch: 2, holder: A }])
  })

  it('renews its leases every renewInterval', () => {
    const step = cacheId(3)
    const c = running(A, step)
    expect(sent(c.tick(1000), 'lease_renew')).toEqual([])
    expect(sent(c.tick(2001), 'lease_renew')).toMatchObject([{ holder: A, leases: [{ cacheId: step, epoch: 1 }] }])
  })

  it('takes over a lapsed lease with the next epoch after ttl of silence, not before', () => {
    const step = cacheId(9)
    const c = node(A)
    near(c, [B, C])
    c.onMessage(claim(B, step, 1), 0)
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    c.onMessage({ v: 1, type: 'lease_renew', holder: B, leases: [{ cacheId: step, epoch: 1 }], sentAt: 0 }, 2000)
    for (let t = 2500; t < 8000; t += 500) expect(sent(c.tick(t), 'lease_claim')).toEqual([])
    // B (the lapsed holder) is out of the ranking; A claims at once if it ranks above C, else after one rank delay.
    const first = rendezvousScore(step, A) > rendezvousScore(step, C)
    const atLapse = sent(c.tick(8000), 'lease_claim')
    const claims = first ? atLapse : [...atLapse, ...sent(c.tick(8060), 'lease_claim')]
    expect(claims).toMatchObject([{ cacheId: step, epoch: 2, holder: A }])
    expect(c.metrics().takeovers).toBe(1)
  })

  it('takes a step over from a holder that keeps renewing past lease.maxHoldMs, and ignores its claims for the step from then on', () => {
    const step = cacheId(9)
    const c = node(A, { maxHoldMs: 20_000 })
    near(c, [B])
    c.onMessage(claim(B, step, 1), 0)
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    const renew = (at: number, epoch = 1): ReturnType<StepCoordinator['onMessage']> => c.onMessage({ v: 1, type: 'lease_renew', holder: B, leases: [{ cacheId: step, epoch }], sentAt: at }, at)
    // B renews on time, as a live holder does: A waits for the whole hold bound, not a ttl.
    for (let t = 2000; t < 20_000; t += 2000) {
      renew(t)
      expect(sent(c.tick(t + 1), 'lease_claim')).toEqual([])
    }
    expect(c.leaseStatus(step, 19_999)).toMatchObject({ state: 'held', holder: B, lapsesAt: 20_000 })
    expect(sent(c.tick(20_000), 'lease_claim')).toMatchObject([{ cacheId: step, epoch: 2, holder: A }])
    expect(c.metrics().takeovers).toBe(1)
    // B "refutes" and renews: ignored and counted; A starts once its refute wait is over.
    c.onMessage(claim(B, step, 3), 20_005)
    renew(20_010)
    expect(c.metrics()).toMatchObject({ claimsBarred: 2, takeoversRefuted: 0 })
    expect(c.leaseStatus(step, 20_011)).toMatchObject({ state: 'held', holder: A, epoch: 2 })
    let started = 0
    for (let t = 20_020; t <= 24_000 && started === 0; t += 10) started = effects(c.tick(t), 'startExecution').length
    expect(started).toBe(1)
    expect(c.job(jobId(1), 24_000)?.steps[0]).toMatchObject({ state: 'RUNNING', node: A, epoch: 2 })
  })

  it('answers a claim for a step it knows is complete with the result', () => {
    const step = cacheId(4)
    const c = node(A)
    c.onMessage({ v: 1, type: 'step_completed', jobId: jobId(1), stepId: 's0', cacheId: step, cid: cidOf(step), epoch: 1, holder: C, sender: C, attestations: [{ peer: C, epoch: 1 }], cached: false, sentAt: 0 }, 0)
    const out = c.onMessage(claim(B, step, 2), 10)
    expect(sent(out, 'step_completed')).toMatchObject([{ cacheId: step, cid: cidOf(step), holder: C, sender: A }])
    // A burst of copies of the same claim gets one answer.
    expect(sent(c.onMessage(claim(B, step, 2), 11), 'step_completed')).toEqual([])
    expect(c.metrics().antiEntropyAnswers).toBe(1)
  })

  it("stops a running execution when another node's result arrives", () => {
    const step = cacheId(5)
    const c = running(A, step)
    const out = c.onMessage({ v: 1, type: 'step_completed', jobId: jobId(1), stepId: 's0', cacheId: step, cid: cidOf(step), epoch: 2, holder: B, sender: B, attestations: [{ peer: B, epoch: 2 }], cached: false, sentAt: 0 }, 100)
    expect(effects(out, 'abortExecution')).toMatchObject([{ reason: 'completed_elsewhere' }])
    expect(effects(out, 'jobFinished')).toMatchObject([{ result: { state: 'completed', outputCid: cidOf(step) } }])
  })

  it('ignores messages it wrote itself', () => {
    const step = cacheId(6)
    const c = running(A, step)
    const out = c.onMessage(claim(A, step, 5), 50)
    expect(out.effects.filter(e => e.type !== 'event')).toEqual([])
    expect(c.leaseStatus(step, 50)).toMatchObject({ state: 'held', holder: A, epoch: 1 })
  })

  it('claims nothing before it has listened for rejoinQuietMs after starting', () => {
    const c = node(A, { rejoinQuietMs: 2500 })
    const out = missAll(c, c.onJobReceived(chainJob(jobId(1), [cacheId(1)]), 0), 1)[0]!
    expect(sent(out, 'lease_claim')).toEqual([])
    expect(out.nextWakeAt).toBe(1001)
    expect(sent(c.tick(1), 'lease_claim')).toEqual([])
    for (const t of [500, 1000, 1500, 2000, 2499]) expect(sent(c.tick(t), 'lease_claim')).toEqual([])
    expect(sent(c.tick(2500), 'lease_claim')).toHaveLength(1)
  })

  it('after a pause, goes quiet and does not take over leases it could not hear renewed', () => {
    const step = cacheId(8)
    const c = node(A)
    c.onViewChanged(view(A, [B]), 0)
    c.onMessage(claim(B, step, 1), 0)
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    // Nothing ran for 20 s: every renewal B sent meanwhile is still unread.
    const resumed = c.tick(20_000)
    expect(effects(resumed, 'event').some(e => e.event.kind === 'pause')).toBe(true)
    expect(sent(resumed, 'lease_claim')).toEqual([])
    expect(c.leaseStatus(step, 20_000).state).toBe('held')
    expect(c.metrics().pausesDetected).toBe(1)
  })
})
