import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StepCoordinator } from '../../../src/jobs/core/coordinator.ts'
import type { Attestation, JobSpec } from '../../../src/jobs/core/types.ts'
import { ClusterCache } from '../../../src/jobs/service/ports/cache.ts'
import { systemClock } from '../../../src/lifecycle/index.ts'
import { resultStatement, signStatement } from '../../../src/protocol/index.ts'
import { putCacheRecord } from '../../../src/store/cache-records.ts'
import { addressOf, createTestCluster, testLogger, until } from '../node/fixtures.ts'
import type { ArtdagNode } from '../../../src/node/create-node.ts'
import type { TestCluster } from '../node/fixtures.ts'

/**
 * The submitter's look-up of a new job (ClusterCache.findSteps) over a real DHT: three nodes, the
 * cluster's default trust (trust.confirmations 2). The output is looked up first: its record ends
 * the search only when its attestations count under the coordinator's own rule; a record that
 * would not count ends nothing, and the upstream steps' records are still found.
 */

const CONFIRMATIONS = 2
const CID_GEN = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const CID_OUT = 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'
let counter = 0
const newCacheId = (): string => (++counter + 0x40).toString(16).padStart(2, '0').repeat(32)

let cluster: TestCluster
let a: ArtdagNode
let b: ArtdagNode
let c: ArtdagNode

/** A record of `cid` for `cacheId` put by `a`, attested (and signed) by each of `by` at epoch 1. */
async function putRecord (cacheId: string, cid: string, by: ArtdagNode[]): Promise<void> {
  const attestations = await Promise.all(by.map(async n => ({ peer: n.peerId.toString(), epoch: 1, sig: await signStatement(n.privateKey, resultStatement(cacheId, cid, 1)) })))
  await putCacheRecord(a.dht, { cacheId, cid, producer: a.peerId.toString(), createdAt: Date.now(), attestations }, a.privateKey)
}

/** The job gen → out, as the planner gives it. */
function job (gen: string, out: string): JobSpec {
  return {
    jobId: `bagujob${String(counter).padStart(8, '0')}`,
    steps: [{ stepId: 'gen', cacheId: gen, type: 'generate', deps: [] }, { stepId: 'out', cacheId: out, type: 'encode', deps: ['gen'] }],
    output: 'out',
    submittedAt: 0
  }
}

/** C's look-up, with every key it asks the DHT for, and every judgement of a record by the coordinator, recorded. */
function lookupOnC (): {
  cache: ClusterCache
  asked: string[]
  judged: Array<{ cacheId: string, counts: boolean }>
  counts: (cacheId: string, cid: string, attestations: readonly Attestation[]) => boolean
} {
  const asked: string[] = []
  const dht = {
    get: (key: Uint8Array, options: { signal?: AbortSignal } = {}) => {
      asked.push(new TextDecoder().decode(key).slice('/artdag-cache/'.length))
      return c.dht.get(key, options)
    }
  } as unknown as ArtdagNode['dht']
  const coordinator = new StepCoordinator({ self: c.peerId.toString(), slots: 2, capabilities: [], confirmations: CONFIRMATIONS })
  coordinator.onViewChanged({ self: c.peerId.toString(), members: [a, b].map(n => ({ peerId: n.peerId.toString(), state: 'alive' as const, slots: 2, capabilities: [] })) }, 0)
  const judged: Array<{ cacheId: string, counts: boolean }> = []
  const counts = (cacheId: string, cid: string, attestations: readonly Attestation[]): boolean => {
    const verdict = coordinator.resultCounts(cacheId, cid, attestations)
    judged.push({ cacheId, counts: verdict })
    return verdict
  }
  const cache = new ClusterCache({ node: { cacheIndex: c.cacheIndex, content: c.content, dht, privateKey: c.privateKey }, self: c.peerId.toString(), clock: systemClock, logger: testLogger() }, {
    dhtQueryTimeoutMs: 20_000,
    cacheLookupTimeoutMs: 20_000
  })
  return { cache, asked, judged, counts }
}

beforeAll(async () => {
  cluster = await createTestCluster('artdag-lookups-')
  a = await cluster.start('a')
  b = await cluster.start('b', { bootstrap: [addressOf(a)] })
  c = await cluster.start('c', { bootstrap: [addressOf(a)] })
  await until(() => [a, b, c].every(n => n.libp2p.getConnections().length === 2), [[a.libp2p, 'peer:connect'], [b.libp2p, 'peer:connect'], [c.libp2p, 'peer:connect']], 'a full mesh')
})

afterAll(async () => {
  await cluster.cleanup()
})

describe("the submitter's look-up of a new job", () => {
  it("stops at the output's record when its attestations count (two members): nothing upstream is looked up", async () => {
    const [gen, out] = [newCacheId(), newCacheId()]
    await putRecord(gen, CID_GEN, [a, b])
    await putRecord(out, CID_OUT, [a, b])
    const lookup = lookupOnC()
    const found = await lookup.cache.findSteps(job(gen, out), { known: () => undefined, counts: lookup.counts }, AbortSignal.timeout(60_000))
    expect(found.get(out)).toMatchObject({ cid: CID_OUT, attestations: [{ peer: a.peerId.toString() }, { peer: b.peerId.toString() }] })
    expect(lookup.judged).toEqual([{ cacheId: out, counts: true }])
    expect(lookup.asked).toEqual([out])
    expect(found.has(gen)).toBe(false)
  })

  it("goes on past the output's record when it would not count (one member's word): the upstream record is found", async () => {
    const [gen, out] = [newCacheId(), newCacheId()]
    await putRecord(gen, CID_GEN, [a, b])
    await putRecord(out, CID_OUT, [a])
    const lookup = lookupOnC()
    const found = await lookup.cache.findSteps(job(gen, out), { known: () => undefined, counts: lookup.counts }, AbortSignal.timeout(60_000))
    expect(lookup.judged).toEqual([{ cacheId: out, counts: false }])
    expect(lookup.asked).toEqual([out, gen])
    expect(found.get(out)).toMatchObject({ cid: CID_OUT, attestations: [{ peer: a.peerId.toString() }] })
    expect(found.get(gen)).toMatchObject({ cid: CID_GEN })
  })

  it('looks every step up when the output is a miss', async () => {
    const [gen, out] = [newCacheId(), newCacheId()]
    await putRecord(gen, CID_GEN, [a, b])
    const lookup = lookupOnC()
    const found = await lookup.cache.findSteps(job(gen, out), { known: () => undefined, counts: lookup.counts }, AbortSignal.timeout(60_000))
    expect(lookup.judged).toEqual([])
    expect(lookup.asked).toEqual([out, gen])
    expect(found.get(out)).toBeUndefined()
    expect(found.has(out)).toBe(true)
    expect(found.get(gen)).toMatchObject({ cid: CID_GEN })
  })
})
