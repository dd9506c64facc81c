import * as dagCbor from '@ipld/dag-cbor'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { Record as Libp2pRecord } from '@libp2p/kad-dht'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Key } from 'interface-datastore'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CACHE_RECORD_NAMESPACE, cacheRecordKey, createCacheRecordValidator, encodeCacheRecord, getCacheRecord, putCacheRecord } from '../../../src/store/cache-records.ts'
import { CacheRecordRepublisher } from '../../../src/store/cache-republisher.ts'
import { CacheRecordInvalidError } from '../../../src/store/errors.ts'
import { resultStatement, signStatement } from '../../../src/protocol/index.ts'
import { addressOf, createTestCluster, testLogger, until } from '../node/fixtures.ts'
import type { ArtdagNode } from '../../../src/node/create-node.ts'
import type { CacheEntry } from '../../../src/store/types.ts'
import type { TestCluster } from '../node/fixtures.ts'
import type { PrivateKey } from '@libp2p/interface'

const CID_1 = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const CID_2 = 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'
let counter = 0
/** A fresh cache id per test, so records from one test do not meet another's. */
const newCacheId = (): string => (++counter).toString(16).padStart(2, '0').repeat(32)

/** A result of `key`'s node, with its own signed attestation (what makes a record count). */
async function entry (cacheId: string, key: PrivateKey, cid = CID_1): Promise<CacheEntry> {
  const peer = peerIdFromPrivateKey(key).toString()
  const attestation = { peer, epoch: 1, sig: await signStatement(key, resultStatement(cacheId, cid, 1)) }
  return { cacheId, cid, producer: peer, createdAt: Date.now(), attestations: [attestation] }
}

/** Whether `node` holds a record under `cacheId` in its DHT datastore (what a remote put stores). */
async function storesRecord (node: ArtdagNode, cacheId: string): Promise<boolean> {
  return await node.helia.datastore.has(new Key(`/dht/record/${uint8ArrayToString(cacheRecordKey(cacheId), 'base32')}`, false))
}

/** Writes a record into one node's DHT store only, as kad-dht does on put (no network). */
async function storeLocally (node: ArtdagNode, cacheId: string, value: Uint8Array): Promise<void> {
  const record = new Libp2pRecord(cacheRecordKey(cacheId), value, new Date())
  await node.helia.datastore.put(new Key(`/dht/record/${uint8ArrayToString(cacheRecordKey(cacheId), 'base32')}`, false), record.serialize())
}

/** Puts a value the way a misbehaving peer would: kad-dht stores it locally unchecked and offers it to the closest peers. */
async function rawPut (node: ArtdagNode, cacheId: string, value: Uint8Array): Promise<{ accepted: number, refused: number }> {
  let accepted = 0
  let refused = 0
  for await (const event of node.dht.put(cacheRecordKey(cacheId), value, { signal: AbortSignal.timeout(10_000) })) {
    if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE') accepted++
    if (event.name === 'QUERY_ERROR') refused++
  }
  return { accepted, refused }
}

describe('DHT cache records between nodes', () => {
  let cluster: TestCluster
  let a: ArtdagNode
  let b: ArtdagNode
  let c: ArtdagNode
  let stranger: PrivateKey

  beforeAll(async () => {
    cluster = await createTestCluster('artdag-records-')
    stranger = await generateKeyPair('Ed25519')
    const notStranger = createCacheRecordValidator({ isMember: (id) => id !== peerIdFromPrivateKey(stranger).toString() })
    const init = { validators: { [CACHE_RECORD_NAMESPACE]: notStranger } }
    a = await cluster.start('a', init)
    b = await cluster.start('b', { ...init, bootstrap: [addressOf(a)] })
    c = await cluster.start('c', { ...init, bootstrap: [addressOf(a)] })
    await until(() => [a, b, c].every(n => n.libp2p.getConnections().length === 2), [[a.libp2p, 'peer:connect'], [b.libp2p, 'peer:connect'], [c.libp2p, 'peer:connect']], 'a full mesh')
  })
  afterAll(async () => {
    await cluster.cleanup()
  })

  it('a record put on one node is found on another', async () => {
    const cacheId = newCacheId()
    const put = await putCacheRecord(a.dht, await entry(cacheId, a.privateKey), a.privateKey)
    expect(put.peers).toBe(2)
    expect(put.entry.producer).toBe(a.peerId.toString())
    expect(await storesRecord(c, cacheId)).toBe(true)
    expect(await getCacheRecord(c.dht, cacheId)).toEqual(put.entry)
  })

  it('nobody having a record is a quick undefined', async () => {
    expect(await getCacheRecord(c.dht, newCacheId(), { timeoutMs: 10_000 })).toBeUndefined()
  })

  it('peers refuse, and do not store, a badly signed, a mis-keyed or a non-member record', async () => {
    const brokenSignature = async (cacheId: string): Promise<Uint8Array> => {
      const { payload, signature } = dagCbor.decode<{ payload: Uint8Array, signature: Uint8Array }>(await encodeCacheRecord(await entry(cacheId, a.privateKey), a.privateKey))
      return dagCbor.encode({ payload, signature: signature.map((byte, i) => i === 0 ? byte ^ 1 : byte) })
    }
    const cases: Array<[string, (cacheId: string) => Promise<Uint8Array>]> = [
      ['bad signature', brokenSignature],
      ['mis-keyed', async () => await encodeCacheRecord(await entry(newCacheId(), a.privateKey), a.privateKey)],
      ['non-member', async (cacheId) => await encodeCacheRecord(await entry(cacheId, stranger), stranger)]
    ]
    for (const [what, make] of cases) {
      const cacheId = newCacheId()
      expect(await rawPut(a, cacheId, await make(cacheId)), what).toEqual({ accepted: 0, refused: 2 })
      expect(await storesRecord(b, cacheId), what).toBe(false)
      expect(await storesRecord(c, cacheId), what).toBe(false)
      expect(await getCacheRecord(c.dht, cacheId), what).toBeUndefined()
    }
  })

  it('two producers of one cache id: every node selects the same record', async () => {
    // As after a partition: b and c each hold their own record, a holds none.
    const cacheId = newCacheId()
    const [low, high] = [CID_1, CID_2].sort()
    await storeLocally(b, cacheId, await encodeCacheRecord(await entry(cacheId, b.privateKey, high!), b.privateKey))
    await storeLocally(c, cacheId, await encodeCacheRecord(await entry(cacheId, c.privateKey, low!), c.privateKey))
    for (const node of [a, b, c]) {
      const found = await getCacheRecord(node.dht, cacheId)
      expect(found, `as seen by ${node.peerId}`).toMatchObject({ cid: low, producer: c.peerId.toString() })
    }
  })

  it('the republisher re-puts the records this node produced, and only those', async () => {
    const mine = newCacheId()
    const theirs = newCacheId()
    const local = newCacheId()
    await a.cacheIndex.put(await entry(mine, a.privateKey))
    await a.cacheIndex.put(await entry(theirs, b.privateKey))
    // A result no member attested (a local render's): kept in a's own index, never published.
    await a.cacheIndex.put({ cacheId: local, cid: CID_1, producer: a.peerId.toString(), createdAt: Date.now() })
    const republisher = new CacheRecordRepublisher({
      dht: a.dht,
      privateKey: a.privateKey,
      peerId: a.peerId,
      entries: (options) => a.cacheIndex.entries(options),
      logger: testLogger()
    }, { initialDelayMs: 60_000 })
    await republisher.start()
    try {
      expect((await republisher.republish()).records).toBeGreaterThanOrEqual(1)
      await expect(putCacheRecord(a.dht, { cacheId: local, cid: CID_1, producer: 'x', createdAt: 0 }, a.privateKey)).rejects.toThrow(CacheRecordInvalidError)
    } finally {
      await republisher.stop()
    }
    expect(await storesRecord(c, mine)).toBe(true)
    expect(await storesRecord(c, theirs)).toBe(false)
    expect(await storesRecord(c, local)).toBe(false)
    expect(await getCacheRecord(c.dht, mine)).toMatchObject({ cacheId: mine, producer: a.peerId.toString() })
  })
})
