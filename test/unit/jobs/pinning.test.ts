import { describe, expect, it } from 'vitest'
import { selectPinners } from '../../../src/jobs/core/pinning.ts'
import { rankPeers } from '../../../src/lease/rendezvous.ts'
import { A, B, C, cacheId, chainJob, cidOf, effects, jobId, missAll, node, view } from './fixtures.ts'

describe('pinning the output', () => {
  it('picks the top-ranked live nodes for the output CID, the same on every node with the same view', () => {
    const cid = 'bafyoutput1234'
    const expected = rankPeers(cid, [A, B, C]).slice(0, 2)
    expect(selectPinners(cid, view(A, [B, C]), 2)).toEqual(expected)
    expect(selectPinners(cid, view(B, [C, A]), 2)).toEqual(expected)
    const withDead = { self: A, members: [{ peerId: B, state: 'dead' as const, slots: 1, capabilities: [] }, { peerId: C, state: 'alive' as const, slots: 1, capabilities: [] }] }
    expect(selectPinners(cid, withDead, 2)).toEqual(rankPeers(cid, [A, C]))
  })

  it('puts the nodes that hold the output first, in rank order, the same on every node with the same view', () => {
    const cid = 'bafyoutput1234'
    const ranked = rankPeers(cid, [A, B, C])
    const last = ranked[2]!
    expect(selectPinners(cid, view(A, [B, C]), 2, undefined, 1, new Set([last]))).toEqual([last, ranked[0]])
    expect(selectPinners(cid, view(B, [C, A]), 2, undefined, 1, new Set([last]))).toEqual([last, ranked[0]])
    // A holder that is dead, or not a member, is not asked.
    const withDead = { self: A, members: [{ peerId: B, state: 'dead' as const, slots: 1, capabilities: [] }, { peerId: C, state: 'alive' as const, slots: 1, capabilities: [] }] }
    expect(selectPinners(cid, withDead, 2, undefined, 1, new Set([B, 'gone']))).toEqual(rankPeers(cid, [A, C]))
  })

  it('tells the adapter who pins when a job completes', () => {
    const step = cacheId(1)
    const c = node(A, { replication: 2 })
    c.onViewChanged(view(A, [B, C]), 0)
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    const out = c.onMessage({ v: 1, type: 'step_completed', jobId: jobId(1), stepId: 's0', cacheId: step, cid: cidOf(step), epoch: 1, holder: B, sender: B, attestations: [{ peer: B, epoch: 1 }], cached: false, sentAt: 0 }, 50)
    // B made the output and holds it: it pins first, then the best-ranked of the others.
    const pinners = [B, ...rankPeers(cidOf(step), [A, C]).slice(0, 1)]
    expect(effects(out, 'jobFinished')).toEqual([{ type: 'jobFinished', result: { jobId: jobId(1), state: 'completed', outputCid: cidOf(step), pinners, pinOnSelf: pinners.includes(A) } }])
  })

  it('ranks a cached output as before: each node may hold it on its own word, and none leaves the pin to another', () => {
    const step = cacheId(1)
    const c = node(A, { replication: 2 })
    c.onViewChanged(view(A, [B, C]), 0)
    const received = c.onJobReceived(chainJob(jobId(1), [step]), 0)
    const hit = effects(received, 'lookupCache').flatMap(e => e.cacheIds).map(id => c.onCacheLookupResult(id, cidOf(step), 1))
    const pinners = rankPeers(cidOf(step), [A, B, C]).slice(0, 2)
    expect(hit.flatMap(out => effects(out, 'jobFinished'))).toEqual([{ type: 'jobFinished', result: { jobId: jobId(1), state: 'completed', outputCid: cidOf(step), pinners, pinOnSelf: pinners.includes(A) } }])
  })
})
