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

  it('tells the adapter who pins when a job completes', () => {
    const step = cacheId(1)
    const c = node(A, { replication: 2 })
    c.onViewChanged(view(A, [B, C]), 0)
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    const out = c.onMessage({ v: 1, type: 'step_completed', jobId: jobId(1), stepId: 's0', cacheId: step, cid: cidOf(step), epoch: 1, holder: B, sender: B, attestations: [{ peer: B, epoch: 1 }], cached: false, sentAt: 0 }, 50)
    const pinners = rankPeers(cidOf(step), [A, B, C]).slice(0, 2)
    expect(effects(out, 'jobFinished')).toEqual([{ type: 'jobFinished', result: { jobId: jobId(1), state: 'completed', outputCid: cidOf(step), pinners, pinOnSelf: pinners.includes(A) } }])
  })
})
