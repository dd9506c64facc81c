import * as dagCbor from '@ipld/dag-cbor'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { cacheRecordKey, cacheRecordSelector, createCacheRecordValidator, decodeCacheRecord, encodeCacheRecord } from '../../../src/store/cache-records.ts'
import type { CacheEntry } from '../../../src/store/types.ts'

const CACHE_ID = 'a1'.repeat(32)
const CID_A = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const CID_B = 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'

function entry (fields: Partial<CacheEntry> = {}): CacheEntry {
  return { cacheId: CACHE_ID, cid: CID_A, producer: 'ignored', createdAt: 1_700_000_000_000, ...fields }
}

describe('DHT cache records', () => {
  it('round-trips a signed record; the producer is the signer', async () => {
    const key = await generateKeyPair('Ed25519')
    const value = await encodeCacheRecord(entry({ stepType: 'scale' }), key)
    const { entry: decoded } = await decodeCacheRecord(value, cacheRecordKey(CACHE_ID))
    expect(decoded).toEqual({ cacheId: CACHE_ID, cid: CID_A, producer: peerIdFromPrivateKey(key).toString(), createdAt: 1_700_000_000_000, stepType: 'scale' })
    expect(new TextDecoder().decode(cacheRecordKey(CACHE_ID))).toBe(`/artdag-cache/${CACHE_ID}`)
    // Ed25519 is deterministic: the republisher re-signs to the same bytes.
    expect(await encodeCacheRecord(entry({ stepType: 'scale' }), key)).toEqual(value)
  })

  it('the validator accepts a good record and refuses bad ones, saying why', async () => {
    const key = await generateKeyPair('Ed25519')
    const other = await generateKeyPair('Ed25519')
    const validate = createCacheRecordValidator()
    const good = await encodeCacheRecord(entry(), key)
    await validate(cacheRecordKey(CACHE_ID), good)

    const envelope = dagCbor.decode<{ payload: Uint8Array, signature: Uint8Array }>(good)
    const flipped = new Uint8Array(envelope.signature)
    flipped[0]! ^= 1
    const badSignature = dagCbor.encode({ payload: envelope.payload, signature: flipped })
    await expect(validate(cacheRecordKey(CACHE_ID), badSignature)).rejects.toThrow(`/artdag-cache/${CACHE_ID}: the signature is not ${peerIdFromPrivateKey(key)}'s`)

    // A valid payload naming `key`'s peer, signed by someone else.
    const forged = dagCbor.encode({ payload: envelope.payload, signature: await other.sign(new TextEncoder().encode('artdag-cache-record:')) })
    await expect(validate(cacheRecordKey(CACHE_ID), forged)).rejects.toThrow(/the signature is not/)

    const otherId = 'b2'.repeat(32)
    await expect(validate(cacheRecordKey(otherId), good)).rejects.toThrow(expect.objectContaining({
      name: 'CacheRecordInvalidError',
      message: `/artdag-cache/${otherId}: the record is for cache id ${CACHE_ID}, not this key`
    }))

    const payload = (fields: Record<string, unknown>) => dagCbor.encode({ payload: dagCbor.encode(fields), signature: new Uint8Array(64) })
    const base = { v: 1, cacheId: CACHE_ID, cid: CID_A, producer: peerIdFromPrivateKey(key).toString(), createdAt: 1 }
    await expect(validate(cacheRecordKey(CACHE_ID), payload({ ...base, v: 2 }))).rejects.toThrow(/v: /)
    await expect(validate(cacheRecordKey(CACHE_ID), payload({ ...base, cid: 'not-a-cid' }))).rejects.toThrow(/cid/)
    await expect(validate(cacheRecordKey(CACHE_ID), payload({ ...base, producer: 'nobody' }))).rejects.toThrow(/producer: not a peer id/)
    await expect(validate(cacheRecordKey(CACHE_ID), payload({ ...base, extra: 1 }))).rejects.toThrow(/extra/)
    await expect(validate(cacheRecordKey(CACHE_ID), new TextEncoder().encode('{"json":true}'))).rejects.toThrow(/not DAG-CBOR/)
    await expect(validate(cacheRecordKey(CACHE_ID), dagCbor.encode({ payload: 'x' }))).rejects.toThrow(/expected \{ payload: bytes, signature: bytes \}/)
    await expect(validate(cacheRecordKey(CACHE_ID), new Uint8Array(4096))).rejects.toThrow(/4096 bytes, over the 2048 byte limit/)
  })

  it('with a membership predicate, refuses records by non-members', async () => {
    const member = await generateKeyPair('Ed25519')
    const stranger = await generateKeyPair('Ed25519')
    const members = new Set([peerIdFromPrivateKey(member).toString()])
    const validate = createCacheRecordValidator({ isMember: async (id) => members.has(id) })
    await validate(cacheRecordKey(CACHE_ID), await encodeCacheRecord(entry(), member))
    await expect(validate(cacheRecordKey(CACHE_ID), await encodeCacheRecord(entry(), stranger)))
      .rejects.toThrow(`/artdag-cache/${CACHE_ID}: producer ${peerIdFromPrivateKey(stranger)} is not a member of this cluster`)
  })

  it('the selector picks the same record whatever the order: lowest CID, then producer, then createdAt', async () => {
    const keys = await Promise.all([1, 2].map(async () => await generateKeyPair('Ed25519')))
    const [low, high] = keys.sort((a, b) => peerIdFromPrivateKey(a).toString() < peerIdFromPrivateKey(b).toString() ? -1 : 1)
    const lowestCid = CID_A < CID_B ? CID_A : CID_B
    const highestCid = lowestCid === CID_A ? CID_B : CID_A
    const records = [
      await encodeCacheRecord(entry({ cid: highestCid }), low!),
      await encodeCacheRecord(entry({ cid: lowestCid, createdAt: 5 }), high!),
      await encodeCacheRecord(entry({ cid: lowestCid, createdAt: 9 }), low!),
      await encodeCacheRecord(entry({ cid: lowestCid, createdAt: 3 }), low!),
      new Uint8Array([1, 2, 3])
    ]
    const best = records[3]!
    const key = cacheRecordKey(CACHE_ID)
    for (let shift = 0; shift < records.length; shift++) {
      const order = [...records.slice(shift), ...records.slice(0, shift)]
      expect(order[await cacheRecordSelector(key, order)]).toBe(best)
      const reversed = [...order].reverse()
      expect(reversed[await cacheRecordSelector(key, reversed)]).toBe(best)
    }
  })
})
