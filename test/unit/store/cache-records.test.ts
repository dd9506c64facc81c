import * as dagCbor from '@ipld/dag-cbor'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { resultStatement, signStatement } from '../../../src/protocol/index.ts'
import { cacheRecordKey, cacheRecordSelector, createCacheRecordValidator, decodeCacheRecord, encodeCacheRecord } from '../../../src/store/cache-records.ts'
import type { CacheEntry } from '../../../src/store/types.ts'
import type { PrivateKey } from '@libp2p/interface'

const CACHE_ID = 'a1'.repeat(32)
const CID_A = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const CID_B = 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'

function entry (fields: Partial<CacheEntry> = {}): CacheEntry {
  return { cacheId: CACHE_ID, cid: CID_A, producer: 'ignored', createdAt: 1_700_000_000_000, ...fields }
}

/** A member's signed statement that its run at `epoch` gave `cid`. */
async function attest (key: PrivateKey, cid: string, epoch = 1): Promise<{ peer: string, epoch: number, sig: string }> {
  return { peer: peerIdFromPrivateKey(key).toString(), epoch, sig: await signStatement(key, resultStatement(CACHE_ID, cid, epoch)) }
}

/** A record put by `key`, attested by `attesters` (by default `key` itself). */
async function record (key: PrivateKey, fields: Partial<CacheEntry> = {}, attesters: PrivateKey[] = [key], epoch = 1): Promise<Uint8Array> {
  const cid = fields.cid ?? CID_A
  return await encodeCacheRecord(entry({ ...fields, attestations: await Promise.all(attesters.map(async k => await attest(k, cid, epoch))) }), key)
}

describe('DHT cache records', () => {
  it('round-trips a signed record; the producer is the signer', async () => {
    const key = await generateKeyPair('Ed25519')
    const value = await record(key, { stepType: 'scale' })
    const { entry: decoded } = await decodeCacheRecord(value, cacheRecordKey(CACHE_ID))
    expect(decoded).toEqual({ cacheId: CACHE_ID, cid: CID_A, producer: peerIdFromPrivateKey(key).toString(), createdAt: 1_700_000_000_000, stepType: 'scale', attestations: [await attest(key, CID_A)] })
    expect(new TextDecoder().decode(cacheRecordKey(CACHE_ID))).toBe(`/artdag-cache/${CACHE_ID}`)
    // Ed25519 is deterministic: the republisher re-signs to the same bytes.
    expect(await record(key, { stepType: 'scale' })).toEqual(value)
  })

  it('the validator accepts a good record and refuses bad ones, saying why', async () => {
    const key = await generateKeyPair('Ed25519')
    const other = await generateKeyPair('Ed25519')
    const validate = createCacheRecordValidator()
    const good = await record(key)
    await validate(cacheRecordKey(CACHE_ID), good)

    // An attestation a member did not sign: one member cannot speak for another.
    const claimed = { ...await attest(other, CID_A), peer: peerIdFromPrivateKey(key).toString() }
    await expect(validate(cacheRecordKey(CACHE_ID), await encodeCacheRecord(entry({ attestations: [claimed] }), other))).rejects.toThrow(/the attestation of .* at epoch 1 is not that member's signature/)
    // Nor vouch for other bytes than it ran.
    const otherBytes = await attest(key, CID_B)
    await expect(validate(cacheRecordKey(CACHE_ID), await encodeCacheRecord(entry({ attestations: [otherBytes] }), key))).rejects.toThrow(/is not that member's signature/)

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
    const base = { v: 2, cacheId: CACHE_ID, cid: CID_A, producer: peerIdFromPrivateKey(key).toString(), createdAt: 1, attestations: [await attest(key, CID_A)] }
    await expect(validate(cacheRecordKey(CACHE_ID), payload({ ...base, v: 1 }))).rejects.toThrow(/v: /)
    await expect(validate(cacheRecordKey(CACHE_ID), payload({ ...base, attestations: [] }))).rejects.toThrow(/attestations/)
    await expect(validate(cacheRecordKey(CACHE_ID), payload({ ...base, cid: 'not-a-cid' }))).rejects.toThrow(/cid/)
    await expect(validate(cacheRecordKey(CACHE_ID), payload({ ...base, producer: 'nobody' }))).rejects.toThrow(/producer: not a peer id/)
    await expect(validate(cacheRecordKey(CACHE_ID), payload({ ...base, extra: 1 }))).rejects.toThrow(/extra/)
    await expect(validate(cacheRecordKey(CACHE_ID), new TextEncoder().encode('{"json":true}'))).rejects.toThrow(/not DAG-CBOR/)
    await expect(validate(cacheRecordKey(CACHE_ID), dagCbor.encode({ payload: 'x' }))).rejects.toThrow(/expected \{ payload: bytes, signature: bytes \}/)
    await expect(validate(cacheRecordKey(CACHE_ID), new Uint8Array(8192))).rejects.toThrow(/8192 bytes, over the 4096 byte limit/)
  })

  it('with a membership predicate, refuses records put or attested by non-members', async () => {
    const member = await generateKeyPair('Ed25519')
    const stranger = await generateKeyPair('Ed25519')
    const members = new Set([peerIdFromPrivateKey(member).toString()])
    const validate = createCacheRecordValidator({ isMember: async (id) => members.has(id) })
    await validate(cacheRecordKey(CACHE_ID), await record(member))
    await expect(validate(cacheRecordKey(CACHE_ID), await record(stranger)))
      .rejects.toThrow(`/artdag-cache/${CACHE_ID}: ${peerIdFromPrivateKey(stranger)} is not a member of this cluster`)
    await expect(validate(cacheRecordKey(CACHE_ID), await record(member, {}, [member, stranger]))).rejects.toThrow(/is not a member/)
  })

  it('the selector picks the same record whatever the order: most attesters, then earliest lease, then lowest CID, producer, createdAt', async () => {
    const keys = await Promise.all([1, 2].map(async () => await generateKeyPair('Ed25519')))
    const [low, high] = keys.sort((a, b) => peerIdFromPrivateKey(a).toString() < peerIdFromPrivateKey(b).toString() ? -1 : 1)
    const lowestCid = CID_A < CID_B ? CID_A : CID_B
    const highestCid = lowestCid === CID_A ? CID_B : CID_A
    const records = [
      // One member alone cannot outrank a confirmed result with a lower CID.
      await record(low!, { cid: lowestCid }, [low!]),
      await record(high!, { cid: highestCid, createdAt: 5 }, [low!, high!], 2),
      await record(low!, { cid: highestCid, createdAt: 9 }, [low!, high!], 2),
      await record(low!, { cid: highestCid, createdAt: 3 }, [low!, high!], 2),
      await record(low!, { cid: lowestCid, createdAt: 3 }, [low!, high!], 3),
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
