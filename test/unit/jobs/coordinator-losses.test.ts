import { describe, expect, it } from 'vitest'
import type { StepCoordinator } from '../../../src/jobs/core/coordinator.ts'
import type { CoordinatorOutput } from '../../../src/jobs/core/effects.ts'
import type { MemberState } from '../../../src/jobs/core/types.ts'
import { MAX_LOST_INPUTS } from '../../../src/protocol/messages/jobs.ts'
import { A, B, C, cacheId, cacheIdRankedFirst, chainJob, effects, jobId, missAll, near, node, runUntil, sent } from './fixtures.ts'

/**
 * An output lost with its producer (src/jobs/core/losses.ts): job 1 is the
 * chain x → r. B made x and died before anyone else held a copy; the run of r
 * cannot fetch it. That run is no attempt at r: x is forgotten and runs again,
 * then r runs. While a holder of x may be alive, the failure counts as before.
 */
const X = cacheIdRankedFirst(A, [B, C], 1)
const R = cacheIdRankedFirst(A, [B, C], parseInt(X, 16) + 1)
const JOB = jobId(1)
/** The CID of a step's output (the fixtures' cidOf keeps only the start of a cache id, the same for these two). */
const cidOf = (step: string): string => `bafy${step.slice(24)}`
const run = (step: string, epoch: number) => ({ jobId: JOB, stepId: step === X ? 's0' : 's1', cacheId: step, epoch })

function states (c: StepCoordinator, peers: Partial<Record<string, MemberState>>, now: number): CoordinatorOutput {
  return c.onViewChanged({ self: c.self, members: Object.entries(peers).map(([peerId, state]) => ({ peerId, state: state as MemberState, slots: 2, capabilities: ['libx264'] })) }, now)
}

const claimOf = (holder: string, step: string, epoch: number) => ({ v: 1 as const, type: 'lease_claim' as const, cacheId: step, epoch, holder, jobId: JOB, stepId: step === X ? 's0' : 's1', sentAt: 0 })

const completedBy = (holder: string, step: string, epoch: number, sender = holder) => ({
  v: 1 as const,
  type: 'step_completed' as const,
  jobId: JOB,
  stepId: step === X ? 's0' : 's1',
  cacheId: step,
  cid: cidOf(step),
  epoch,
  holder,
  sender,
  cached: false,
  attestations: [{ peer: holder, epoch }],
  sentAt: 0
})

const lostReport = (holder: string, epoch: number, lost: Array<{ cacheId: string, cid: string }>, sender = holder) => ({
  v: 1 as const,
  type: 'step_failed' as const,
  jobId: JOB,
  stepId: 's1',
  cacheId: R,
  epoch,
  holder,
  sender,
  attempt: 1,
  failures: [{ holder, epoch }],
  errorTail: 'step s1: the output of step "s0" could not be fetched',
  lost,
  sentAt: 0
})

/** A knows job 1, B ran x (epoch 1) and announced it; A then claims r and starts it. */
function readerRunning (): { c: StepCoordinator, t: number } {
  const c = node(A)
  near(c, [B, C])
  missAll(c, c.onJobReceived(chainJob(JOB, [X, R]), 0), 1)
  c.onMessage(claimOf(B, X, 1), 2)
  c.onMessage(completedBy(B, X, 1), 3)
  const out = runUntil(c, 3, 200)
  expect(effects(out, 'startExecution')).toEqual([{ type: 'startExecution', execution: run(R, 1) }])
  return { c, t: 200 }
}

/** C, which runs nothing here: it heard B make x and A claim r. */
function bystander (): StepCoordinator {
  const c = node(C, { slots: 0 })
  near(c, [A, B])
  missAll(c, c.onJobReceived(chainJob(JOB, [X, R]), 0), 1)
  c.onMessage(claimOf(B, X, 1), 2)
  c.onMessage(completedBy(B, X, 1), 3)
  return c
}

describe('StepCoordinator: an output lost with its producer', () => {
  it('forgets a result whose every holder is dead, runs that step again, then the reader: no attempt counted', () => {
    const { c, t } = readerRunning()
    states(c, { [B]: 'dead', [C]: 'alive' }, t)
    const failed = c.onExecutionFailed(run(R, 1), 'step s1: the output of step "s0" could not be fetched', t + 1, [cidOf(X)])
    // The others learn which input was lost, and that the failure was that.
    expect(sent(failed, 'step_failed')).toMatchObject([{ cacheId: R, epoch: 1, holder: A, sender: A, failures: [{ holder: A, epoch: 1 }], lost: [{ cacheId: X, cid: cidOf(X) }] }])
    expect(effects(failed, 'event').map(e => e.event)).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'step', cacheId: X, state: 'PENDING', node: B, reason: 'output_lost' }),
      expect.objectContaining({ kind: 'step', cacheId: R, state: 'PENDING', node: A, reason: 'input_lost', attempt: 0 })
    ]))
    expect(effects(failed, 'jobFinished')).toEqual([])
    expect(c.job(JOB, t + 1)?.steps.map(s => [s.state, s.attempts])).toEqual([['PENDING', 0], ['PENDING', 0]])
    expect(c.knownResult(X)).toBeUndefined()
    expect(c.metrics()).toMatchObject({ resultsLost: 1, stepsFailed: 1 })

    // x is claimed above every epoch seen, runs, and r runs after it; r is not retried before.
    const again = runUntil(c, t + 1, t + 300)
    expect(sent(again, 'lease_claim')).toMatchObject([{ cacheId: X, epoch: 2, holder: A }])
    expect(effects(again, 'startExecution')).toEqual([{ type: 'startExecution', execution: run(X, 2) }])
    c.onExecutionFinished(run(X, 2), cidOf(X), t + 400)
    const reader = runUntil(c, t + 400, t + 700)
    expect(effects(reader, 'startExecution')).toEqual([{ type: 'startExecution', execution: run(R, 2) }])
    const done = c.onExecutionFinished(run(R, 2), cidOf(R), t + 800)
    expect(effects(done, 'jobFinished')).toMatchObject([{ result: { state: 'completed', outputCid: cidOf(R) } }])
  })

  it('counts the failure while a holder may be alive (suspect), and forgets the result once the view says it is dead', () => {
    const { c, t } = readerRunning()
    states(c, { [B]: 'suspect', [C]: 'alive' }, t)
    const failed = c.onExecutionFailed(run(R, 1), 'could not be fetched', t + 1, [cidOf(X)])
    // An attempt: an ordinary failure for the others.
    expect(sent(failed, 'step_failed')).toHaveLength(1)
    expect(sent(failed, 'step_failed')[0]).not.toHaveProperty('lost')
    expect(c.job(JOB, t + 1)?.steps.map(s => [s.state, s.attempts])).toEqual([['COMPLETED', 0], ['PENDING', 1]])
    expect(c.metrics().resultsLost).toBe(0)

    const dead = states(c, { [B]: 'dead', [C]: 'alive' }, t + 2)
    expect(effects(dead, 'event').map(e => e.event)).toEqual(expect.arrayContaining([expect.objectContaining({ cacheId: X, state: 'PENDING', reason: 'output_lost' })]))
    // Now no attempt: the others are told, and take its word.
    expect(sent(dead, 'step_failed')).toMatchObject([{ cacheId: R, holder: A, epoch: 1, lost: [{ cacheId: X, cid: cidOf(X) }] }])
    expect(c.job(JOB, t + 2)?.steps.map(s => [s.state, s.attempts])).toEqual([['PENDING', 0], ['PENDING', 0]])
    expect(c.metrics().resultsLost).toBe(1)
  })

  it('keeps a result this node made itself, or that a live node attested, whatever a reader says', () => {
    const { c, t } = readerRunning()
    // B is dead but C attested x too: C still holds it.
    c.onMessage({ ...completedBy(C, X, 1), attestations: [{ peer: C, epoch: 1 }] }, t - 1)
    states(c, { [B]: 'dead', [C]: 'alive' }, t)
    c.onExecutionFailed(run(R, 1), 'could not be fetched', t + 1, [cidOf(X)])
    expect(c.knownResult(X)).toBe(cidOf(X))
    expect(c.job(JOB, t + 1)?.steps[1]?.attempts).toBe(1)
  })

  it("forgets the result on hearing the reader's verified report, and only then", () => {
    const c = bystander()
    states(c, { [A]: 'alive', [B]: 'dead' }, 10)
    // A report from a member this node never heard claim r is no evidence: nothing is forgotten.
    c.onMessage(lostReport(A, 1, [{ cacheId: X, cid: cidOf(X) }]), 11)
    expect(c.knownResult(X)).toBe(cidOf(X))
    expect(c.metrics().resultsLost).toBe(0)

    c.onMessage(claimOf(A, R, 2), 12)
    c.onMessage(lostReport(A, 2, [{ cacheId: X, cid: cidOf(X) }]), 13)
    expect(c.knownResult(X)).toBeUndefined()
    expect(c.job(JOB, 13)?.steps.map(s => [s.state, s.attempts])).toEqual([['PENDING', 0], ['PENDING', 0]])
    expect(c.metrics().resultsLost).toBe(1)
  })

  it('forgets nothing a report names that is no input of the step, or another CID', () => {
    const c = bystander()
    states(c, { [A]: 'alive', [B]: 'dead' }, 10)
    c.onMessage(claimOf(A, R, 1), 11)
    c.onMessage(lostReport(A, 1, [{ cacheId: R, cid: cidOf(R) }, { cacheId: X, cid: cidOf(R) }]), 12)
    expect(c.knownResult(X)).toBe(cidOf(X))
    expect(c.metrics().resultsLost).toBe(0)
    // Its holder says it is no attempt: that word can only lower the weight of its own failure.
    expect(c.job(JOB, 12)?.steps[1]?.attempts).toBe(0)
  })

  it('judges a relayed report itself, and counts no attempt because of it', () => {
    const c = bystander()
    states(c, { [A]: 'alive', [B]: 'suspect' }, 10)
    c.onMessage(claimOf(A, R, 1), 11)
    // A relay of A's report: this node still counts B, the holder of x, as reachable. The relay adds no attempt.
    c.onMessage(lostReport(A, 1, [{ cacheId: X, cid: cidOf(X) }], B), 12)
    expect(c.knownResult(X)).toBe(cidOf(X))
    expect(c.job(JOB, 12)?.steps[1]?.attempts).toBe(0)
    // B is dead now: the report it kept shows x lost.
    states(c, { [A]: 'alive', [B]: 'dead' }, 13)
    expect(c.knownResult(X)).toBeUndefined()
  })

  it('ends an attempt it counted once a relay shows its inputs lost', () => {
    const c = bystander()
    states(c, { [A]: 'alive', [B]: 'alive' }, 10)
    c.onMessage(claimOf(A, R, 1), 11)
    // A's ordinary failure (B was alive in A's view), then a relay of it naming x, once B is dead here.
    c.onMessage({ ...lostReport(A, 1, []), lost: undefined }, 12)
    expect(c.job(JOB, 12)?.steps[1]?.attempts).toBe(1)
    states(c, { [A]: 'alive', [B]: 'dead' }, 13)
    c.onMessage(lostReport(A, 1, [{ cacheId: X, cid: cidOf(X) }], B), 14)
    expect(c.knownResult(X)).toBeUndefined()
    expect(c.job(JOB, 14)?.steps[1]?.attempts).toBe(0)
  })

  it('does not take back a forgotten result from a node still gone, tells the sender why, and takes a new run of it', () => {
    const c = bystander()
    states(c, { [A]: 'alive', [B]: 'dead' }, 10)
    c.onMessage(claimOf(A, R, 1), 11)
    c.onMessage(lostReport(A, 1, [{ cacheId: X, cid: cidOf(X) }]), 12)

    // A lagging node re-sends B's result: B is gone, its bytes with it.
    const stale = c.onMessage(completedBy(B, X, 1, A), 20)
    expect(c.knownResult(X)).toBeUndefined()
    expect(sent(stale, 'step_failed')).toMatchObject([{ cacheId: R, holder: A, epoch: 1, sender: C, lost: [{ cacheId: X, cid: cidOf(X) }] }])

    // A run of x above the lost epoch is a result like any other (the same CID: the executors are deterministic).
    c.onMessage(claimOf(A, X, 2), 30)
    c.onMessage(completedBy(A, X, 2), 31)
    expect(c.knownResult(X)).toBe(cidOf(X))
    expect(c.job(JOB, 31)?.steps.map(s => s.state)).toEqual(['COMPLETED', 'PENDING'])
  })

  it("does not count a cache record of the forgotten bytes from the node still gone (the submitter's look-up goes on past it)", () => {
    const c = bystander()
    states(c, { [A]: 'alive', [B]: 'dead' }, 10)
    c.onMessage(claimOf(A, R, 1), 11)
    c.onMessage(lostReport(A, 1, [{ cacheId: X, cid: cidOf(X) }]), 12)
    expect(c.resultCounts(X, cidOf(X), [{ peer: B, epoch: 1 }])).toBe(false)
    // A run above the lost epoch, by a member alive, counts (trust.confirmations 1 here).
    expect(c.resultCounts(X, cidOf(X), [{ peer: A, epoch: 2 }])).toBe(true)
    expect(c.knownResult(X)).toBeUndefined()
  })

  it('takes the result back when its holder turns out alive after all', () => {
    const c = bystander()
    states(c, { [A]: 'alive', [B]: 'dead' }, 10)
    c.onMessage(claimOf(A, R, 1), 11)
    c.onMessage(lostReport(A, 1, [{ cacheId: X, cid: cidOf(X) }]), 12)
    states(c, { [A]: 'alive', [B]: 'alive' }, 20)
    c.onMessage(completedBy(B, X, 1), 21)
    expect(c.knownResult(X)).toBe(cidOf(X))
  })

  it('names the input it answers about, however many its reader lost', () => {
    const xs = Array.from({ length: MAX_LOST_INPUTS + 8 }, (_, i) => cacheId(0x100 + i))
    const reader = cacheIdRankedFirst(A, [B, C], 0x1000)
    const c = node(A)
    near(c, [B, C])
    const spec = { jobId: JOB, steps: [...xs.map((x, i) => ({ stepId: `x${i}`, cacheId: x, type: 'source', deps: [] })), { stepId: 'r', cacheId: reader, type: 'encode', deps: xs.map((_, i) => `x${i}`) }], output: 'r', submittedAt: 0 }
    missAll(c, c.onJobReceived(spec, 0), 1)
    xs.forEach((x, i) => {
      c.onMessage({ ...claimOf(B, x, 1), stepId: `x${i}` }, 2)
      c.onMessage({ ...completedBy(B, x, 1), stepId: `x${i}` }, 3)
    })
    expect(effects(runUntil(c, 3, 200), 'startExecution')).toEqual([{ type: 'startExecution', execution: { jobId: JOB, stepId: 'r', cacheId: reader, epoch: 1 } }])
    states(c, { [B]: 'dead', [C]: 'alive' }, 200)
    const failed = c.onExecutionFailed({ jobId: JOB, stepId: 'r', cacheId: reader, epoch: 1 }, 'could not be fetched', 201, xs.map(cidOf))
    expect(sent(failed, 'step_failed')[0]?.lost).toHaveLength(MAX_LOST_INPUTS)
    expect(c.metrics().resultsLost).toBe(xs.length)
    // C still keeps the last of them: answered about it, the evidence names it.
    const last = xs.at(-1) as string
    const answer = c.onMessage({ ...completedBy(B, last, 1, C), stepId: `x${xs.length - 1}` }, 300)
    expect(sent(answer, 'step_failed')[0]?.lost?.[0]).toEqual({ cacheId: last, cid: cidOf(last) })
  })

  it('keeps what it forgot across a restart', () => {
    const c = bystander()
    states(c, { [A]: 'alive', [B]: 'dead' }, 10)
    c.onMessage(claimOf(A, R, 1), 11)
    c.onMessage(lostReport(A, 1, [{ cacheId: X, cid: cidOf(X) }]), 12)
    const snapshot = JSON.parse(JSON.stringify(c.snapshot())) as unknown

    const restarted = node(C, { slots: 0 })
    restarted.restore(snapshot, 0)
    states(restarted, { [A]: 'alive', [B]: 'dead' }, 1)
    restarted.onMessage(completedBy(B, X, 1, A), 2)
    expect(restarted.knownResult(X)).toBeUndefined()
    expect(restarted.job(JOB, 2)?.steps.map(s => [s.state, s.attempts])).toEqual([['PENDING', 0], ['PENDING', 0]])
  })
})
