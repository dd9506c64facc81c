import { describe, expect, it } from 'vitest'
import { A, B, C, cacheId, cacheIdRankedFirst, chainJob, cidOf, claim, effects, failed, jobId, missAll, near, node, sent } from './fixtures.ts'
import type { StepCompletedMessage } from '../../../src/protocol/index.ts'

/** Trust (issue 9): a result counts once enough distinct members attest it; only a job's submitter or an operator cancels it. */

function completed (step: string, cid: string, attesters: Array<[string, number]>, sender = attesters[0]![0]): StepCompletedMessage {
  const [holder, epoch] = attesters[0]!
  return { v: 1, type: 'step_completed', jobId: jobId(1), stepId: 's0', cacheId: step, cid, epoch, holder, sender, cached: false, attestations: attesters.map(([peer, e]) => ({ peer, epoch: e })), sentAt: 0 }
}

describe('StepCoordinator: results confirmed by a second member', () => {
  it('takes a result from one member as a vote, has another member run the step, and completes when they agree', () => {
    const step = cacheIdRankedFirst(B, [A, C])
    const c = node(A, { confirmations: 2 })
    near(c, [B, C])
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    const first = c.onMessage(claim(B, step, 1), 2)
    const claimEvents = (out: typeof first): unknown[] => effects(out, 'event').map(e => e.event).filter(e => e.kind === 'step' && e.state === 'CLAIMED')
    expect(claimEvents(first)).toEqual([expect.objectContaining({ node: B })])
    expect(claimEvents(first)[0]).not.toHaveProperty('reason')
    // B's word alone: a vote, not a result.
    const vote = c.onMessage(completed(step, cidOf(step), [[B, 1]]), 500)
    expect(effects(vote, 'jobFinished')).toEqual([])
    expect(c.job(jobId(1), 500)?.state).toBe('running')
    // The step is claimed again, by a node other than B: A ranks above C once B is left out.
    const ticks = [c.tick(500), c.tick(560)]
    const again = ticks.flatMap(out => sent(out, 'lease_claim'))
    expect(again.map(m => m.holder)).toContain(A)
    expect(again[0]).toMatchObject({ cacheId: step, epoch: 2 })
    // What a user sees of that second claim: a run that confirms B's result, not a second first run.
    expect(ticks.flatMap(claimEvents)).toEqual([expect.objectContaining({ node: A, reason: 'confirm' })])
    c.tick(600)
    const done = c.onExecutionFinished({ jobId: jobId(1), stepId: 's0', cacheId: step, epoch: 2 }, cidOf(step), 900)
    expect(effects(done, 'jobFinished')).toMatchObject([{ result: { state: 'completed', outputCid: cidOf(step) } }])
    // The record the DHT gets carries both members' attestations.
    expect(effects(done, 'putCacheRecord')).toMatchObject([{ cacheId: step, cid: cidOf(step), attestations: [{ peer: B, epoch: 1 }, { peer: A, epoch: 2 }] }])
    expect(sent(done, 'step_completed')[0]?.attestations).toEqual([{ peer: B, epoch: 1 }, { peer: A, epoch: 2 }])
  })

  it('refuses a result whose author was never heard holding a lease for the step', () => {
    const step = cacheId(21)
    const c = node(A, { confirmations: 2 })
    near(c, [B, C])
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    const out = c.onMessage(completed(step, 'bafkreiforged', [[C, 1]]), 10)
    expect(effects(out, 'jobFinished')).toEqual([])
    expect(c.metrics().resultsRejected).toBe(1)
    expect(c.knownResult(step)).toBeUndefined()
  })

  it('takes a result attested by enough members at once (a confirmed result relayed), lease evidence or not', () => {
    const step = cacheId(22)
    const c = node(A, { confirmations: 2 })
    near(c, [B, C])
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    const out = c.onMessage(completed(step, cidOf(step), [[B, 1], [C, 2]], C), 10)
    expect(effects(out, 'jobFinished')).toMatchObject([{ result: { state: 'completed', outputCid: cidOf(step) } }])
  })

  it('takes a trusted producer at its word', () => {
    const step = cacheId(23)
    const c = node(A, { confirmations: 2, trustedProducers: [B] })
    near(c, [B, C])
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    c.onMessage(claim(B, step, 1), 2)
    expect(effects(c.onMessage(completed(step, cidOf(step), [[B, 1]]), 10), 'jobFinished')).toMatchObject([{ result: { state: 'completed' } }])
  })

  it('confirms its own work when no other live node can run the step', () => {
    const c = node(A, { confirmations: 2 })
    const step = cacheId(24)
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    c.tick(1)
    c.tick(11)
    const done = c.onExecutionFinished({ jobId: jobId(1), stepId: 's0', cacheId: step, epoch: 1 }, cidOf(step), 100)
    expect(effects(done, 'jobFinished')).toMatchObject([{ result: { state: 'completed' } }])
  })

  it('fails the step, saying why, when every capable node returned different bytes', () => {
    const step = cacheIdRankedFirst(B, [A])
    const c = node(A, { confirmations: 2 })
    near(c, [B])
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    c.onMessage(claim(B, step, 1), 2)
    c.onMessage(completed(step, 'bafkreibytesfromb', [[B, 1]]), 100)
    c.tick(100)
    c.tick(160)
    const ran = c.tick(200)
    expect(c.leaseStatus(step, 200)).toMatchObject({ state: 'held', holder: A, epoch: 2 })
    expect(ran.effects.length).toBeGreaterThanOrEqual(0)
    const done = c.onExecutionFinished({ jobId: jobId(1), stepId: 's0', cacheId: step, epoch: 2 }, 'bafkreibytesfroma', 300)
    const finished = effects(done, 'jobFinished')
    expect(finished).toMatchObject([{ result: { state: 'failed' } }])
    expect(JSON.stringify(finished[0])).toMatch(/returned different results/)
    expect(c.metrics().resultMismatches).toBeGreaterThanOrEqual(0)
  })
})

describe('StepCoordinator: cancel authority', () => {
  const spec = { ...chainJob(jobId(1), [cacheId(30)]), submitter: B }
  const cancel = (by: string) => ({ v: 1 as const, type: 'job_cancelled' as const, jobId: jobId(1), by, sentAt: 0 })

  it('refuses a cancel from a member that neither submitted the job nor is an operator', () => {
    const c = node(A)
    missAll(c, c.onJobReceived(spec, 0), 1)
    expect(effects(c.onMessage(cancel(C), 10), 'jobFinished')).toEqual([])
    expect(c.job(jobId(1), 10)?.state).toBe('running')
    expect(c.metrics().cancelsRefused).toBe(1)
    // Nor may it through its heartbeat.
    c.onHeartbeat(C, { leases: [], jobs: [{ jobId: jobId(1), state: 'cancelled' }] }, 20)
    expect(c.job(jobId(1), 20)?.state).toBe('running')
  })

  it('takes the cancel of the submitter, and of an operator', () => {
    const c = node(A)
    missAll(c, c.onJobReceived(spec, 0), 1)
    expect(effects(c.onMessage(cancel(B), 10), 'jobFinished')).toMatchObject([{ result: { state: 'cancelled' } }])
    const d = node(A, { operators: [C] })
    missAll(d, d.onJobReceived(spec, 0), 1)
    expect(effects(d.onMessage(cancel(C), 10), 'jobFinished')).toMatchObject([{ result: { state: 'cancelled' } }])
  })

  it('judges a cancel that came before its job when the job arrives', () => {
    const c = node(A)
    c.onMessage(cancel(C), 0)
    c.onJobReceived(spec, 5)
    expect(c.job(jobId(1), 5)?.state).toBe('running')
    expect(c.metrics().cancelsRefused).toBe(1)
  })
})

describe('StepCoordinator: whose failure counts', () => {
  const D = '12D3KooWDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD'
  it('does not fail a step on failures of leases nobody heard claimed, and counts them', () => {
    const step = cacheId(41)
    const c = node(A, { maxAttempts: 3 })
    near(c, [B, C, D])
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    // Three members report runs they never claimed: none counts as an attempt.
    for (const [i, peer] of [B, C, D].entries()) c.onMessage(failed(peer, step, i + 1), 10 + i)
    expect(c.job(jobId(1), 20)?.state).toBe('running')
    expect(c.metrics().failuresUnverified).toBe(3)
  })

  it('counts a failure whose claim it heard, and one a member that heard it relays', () => {
    const step = cacheId(42)
    const c = node(A, { maxAttempts: 2 })
    near(c, [B, C])
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    c.onMessage(claim(B, step, 1), 5)
    c.onMessage(failed(B, step, 1), 10)
    expect(c.job(jobId(1), 10)?.state).toBe('running')
    // C's failure, relayed by B (a member that verified it before relaying): the second attempt.
    const out = c.onMessage(failed(C, step, 2, [{ holder: B, epoch: 1 }, { holder: C, epoch: 2 }], 'Conversion failed!', B), 20)
    expect(effects(out, 'jobFinished')).toMatchObject([{ result: { state: 'failed' } }])
  })
})

describe('StepCoordinator: whether a cache record counts, before its job exists (resultCounts)', () => {
  const step = cacheId(41)
  const cid = cidOf(step)
  const cases: Array<{ what: string, attestations: Array<[string, number]>, init?: Partial<Parameters<typeof node>[1]>, peers?: string[], counts: boolean }> = [
    { what: 'two members at plausible epochs', attestations: [[B, 1], [C, 2]], counts: true },
    { what: 'one member', attestations: [[B, 1]], counts: false },
    { what: 'one member, twice', attestations: [[B, 1], [B, 2]], counts: false },
    { what: 'a trusted producer alone', attestations: [[B, 1]], init: { trustedProducers: [B] }, counts: true },
    { what: 'two members at epochs no lease reached', attestations: [[B, 1000], [C, 1000]], counts: false },
    { what: 'two members, one at an epoch no lease reached', attestations: [[B, 1], [C, 1000]], counts: false },
    { what: 'one member under trust.confirmations 1', attestations: [[B, 1]], init: { confirmations: 1 }, counts: true },
    { what: 'one member this node has never heard of, alone in its view', attestations: [[B, 1]], peers: [], counts: false }
  ]

  for (const { what, attestations, init, peers, counts } of cases) {
    it(`${what}: ${counts ? 'counts' : 'does not count'}, as the job then takes it, and judging it changes nothing`, () => {
      const c = node(A, { confirmations: 2, ...init })
      near(c, peers ?? [B, C])
      const given = attestations.map(([peer, epoch]) => ({ peer, epoch }))
      const before = c.metrics()
      expect(c.resultCounts(step, cid, given)).toBe(counts)
      expect(c.metrics()).toEqual(before)
      expect(c.knownResult(step)).toBeUndefined()
      // What the job does with the same record, handed over as the submitter's look-up.
      c.onJobReceived(chainJob(jobId(1), [step]), 1, { known: new Map([[step, { cid, attestations: given }]]), scope: 'index' })
      expect(c.job(jobId(1), 1)?.state).toBe(counts ? 'completed' : 'running')
      expect(c.knownResult(step)).toBe(counts ? cid : undefined)
    })
  }

  it('counts a second member agreeing with a vote it already holds (a job of the step is under way here)', () => {
    const c = node(A, { confirmations: 2 })
    near(c, [B, C])
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    c.onMessage(claim(B, step, 1), 2)
    c.onMessage({ v: 1, type: 'step_completed', jobId: jobId(1), stepId: 's0', cacheId: step, cid, epoch: 1, holder: B, sender: B, cached: false, attestations: [{ peer: B, epoch: 1 }], sentAt: 0 }, 3)
    expect(c.job(jobId(1), 3)?.state).toBe('running')
    expect(c.resultCounts(step, cid, [{ peer: C, epoch: 2 }])).toBe(true)
    expect(c.resultCounts(step, 'bafkreiotherbytes', [{ peer: C, epoch: 2 }])).toBe(false)
    expect(c.job(jobId(1), 3)?.state).toBe('running')
  })
})
