import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { z } from 'zod'
import { AbortedError, errorMessage } from '../errors.ts'
import { attestationSchema, cacheIdString, cidString, describeIssues, MAX_ATTESTATIONS, peerIdString, resultStatement, timestampMs, verifyStatement } from '../protocol/index.ts'
import { CacheRecordInvalidError } from './errors.ts'
import { DEFAULT_CACHE_RECORD_TIMEOUT_MS } from './defaults.ts'
import type { AbortOptions, CacheEntry } from './types.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { KadDHT, SelectFn, ValidateFn } from '@libp2p/kad-dht'

/**
 * `cache_id → CID` records in the DHT, signed by the node that produced the
 * content.
 *
 * Key:   `/artdag-cache/<cache_id hex>` (the DHT namespace is `artdag-cache`).
 * Value: DAG-CBOR `{ payload: bytes, signature: bytes }` where `payload` is the
 *        DAG-CBOR encoding of
 *        `{ v: 2, cacheId, cid, producer, createdAt, stepType?, attestations }`
 *        (`cid` as a base32 CIDv1 string, `producer` the peer id string of the
 *        node that put the record) and `signature` is the producer's Ed25519
 *        signature over `"artdag-cache-record:" ‖ payload` (the prefix keeps the
 *        signature from meaning anything in another protocol).
 *        `attestations` (1–8) are the members' own signed statements that their
 *        run under their lease at `epoch` gave `cid` (protocol/attestations.ts):
 *        a record counts for a reader only with as many distinct members'
 *        attestations as its `trust.confirmations` asks. The producer's
 *        signature only says who stored it.
 */
export const CACHE_RECORD_NAMESPACE = 'artdag-cache'
export const CACHE_RECORD_VERSION = 2
/** A record is ~250 bytes; anything far larger is refused before decoding. */
export const MAX_CACHE_RECORD_BYTES = 4096
const SIGNING_PREFIX = new TextEncoder().encode('artdag-cache-record:')

const payloadSchema = z.strictObject({
  v: z.literal(CACHE_RECORD_VERSION),
  cacheId: cacheIdString,
  cid: cidString,
  producer: peerIdString,
  createdAt: timestampMs,
  stepType: z.string().min(1).max(64).optional(),
  attestations: z.array(attestationSchema.extend({ sig: z.string() })).min(1).max(MAX_ATTESTATIONS)
})

export function cacheRecordKey (cacheId: string): Uint8Array {
  return new TextEncoder().encode(`/${CACHE_RECORD_NAMESPACE}/${cacheId}`)
}

/** Signs `entry` as a record; the producer is the signer, whatever `entry.producer` says. */
export async function encodeCacheRecord (entry: CacheEntry, privateKey: PrivateKey): Promise<Uint8Array> {
  const fields: Record<string, unknown> = {
    v: CACHE_RECORD_VERSION,
    cacheId: entry.cacheId,
    cid: CID.parse(entry.cid).toV1().toString(),
    producer: (await peerIds()).peerIdFromPrivateKey(privateKey).toString(),
    createdAt: entry.createdAt
  }
  if (entry.stepType != null) fields.stepType = entry.stepType
  fields.attestations = (entry.attestations ?? []).map(a => ({ peer: a.peer, epoch: a.epoch, sig: a.sig }))
  const parsed = payloadSchema.safeParse(fields)
  if (!parsed.success) fail(`cache record for ${entry.cacheId}: ${parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  const payload = dagCbor.encode(parsed.data)
  const signature = await privateKey.sign(signingBytes(payload))
  return dagCbor.encode({ payload, signature })
}

export interface DecodedCacheRecord {
  entry: CacheEntry
  signature: Uint8Array
}

/** Decodes a record and checks its signature; `key` (when given) must be the record's key. */
export async function decodeCacheRecord (value: Uint8Array, key?: Uint8Array): Promise<DecodedCacheRecord> {
  const keyText = key != null ? new TextDecoder().decode(key) : undefined
  const where = keyText ?? 'cache record'
  if (value.byteLength > MAX_CACHE_RECORD_BYTES) fail(`${where}: ${value.byteLength} bytes, over the ${MAX_CACHE_RECORD_BYTES} byte limit`)
  let envelope: { payload?: unknown, signature?: unknown } | null | undefined
  try {
    envelope = dagCbor.decode(value)
  } catch (err: unknown) {
    fail(`${where}: not DAG-CBOR (${errorMessage(err)})`)
  }
  if (!(envelope?.payload instanceof Uint8Array) || !(envelope.signature instanceof Uint8Array)) {
    fail(`${where}: expected { payload: bytes, signature: bytes }`)
  }
  let fields: unknown
  try {
    fields = dagCbor.decode(envelope.payload)
  } catch (err: unknown) {
    fail(`${where}: payload is not DAG-CBOR (${errorMessage(err)})`)
  }
  const parsed = payloadSchema.safeParse(fields)
  if (!parsed.success) fail(`${where}: ${describeIssues(parsed.error)}`)
  const payload = parsed.data
  if (keyText != null && keyText !== `/${CACHE_RECORD_NAMESPACE}/${payload.cacheId}`) {
    fail(`${where}: the record is for cache id ${payload.cacheId}, not this key`)
  }
  try {
    CID.parse(payload.cid)
  } catch {
    fail(`${where}: cid ${payload.cid} is not a CID`)
  }
  const publicKey = (await peerIds()).peerIdFromString(payload.producer).publicKey
  if (publicKey == null || !(await publicKey.verify(signingBytes(envelope.payload), envelope.signature))) {
    fail(`${where}: the signature is not ${payload.producer}'s`)
  }
  for (const a of payload.attestations) {
    if (!(await verifyStatement(a.peer, resultStatement(payload.cacheId, payload.cid, a.epoch), a.sig))) fail(`${where}: the attestation of ${a.peer} at epoch ${a.epoch} is not that member's signature`)
  }
  const entry: CacheEntry = { cacheId: payload.cacheId, cid: payload.cid, producer: payload.producer, createdAt: payload.createdAt, attestations: payload.attestations }
  if (payload.stepType != null) entry.stepType = payload.stepType
  return { entry, signature: envelope.signature }
}

export interface CacheRecordValidatorInit {
  /** Whether a producer belongs to the cluster. @default accept any correctly signed record */
  isMember?: (peerId: string) => boolean | Promise<boolean>
}

/** The DHT validator for the `artdag-cache` namespace: it throws to refuse a record. */
export function createCacheRecordValidator (init: CacheRecordValidatorInit = {}): ValidateFn {
  return async (key, value) => {
    const { entry } = await decodeCacheRecord(value, key)
    for (const peer of [entry.producer, ...(entry.attestations ?? []).map(a => a.peer)]) {
      if (init.isMember != null && !(await init.isMember(peer))) fail(`${new TextDecoder().decode(key)}: ${peer} is not a member of this cluster`)
    }
  }
}

/**
 * The DHT selector: the same choice on every node, whatever the clocks say.
 * The record attested by the most distinct members first (one member alone
 * cannot outrank a confirmed result, whatever CID it names), then the lowest
 * epoch among its attestations (the earliest lease that finished: the rule the
 * coordinators keep one result by), then the lowest CID string, producer,
 * createdAt and signature bytes. Records that fail to decode rank last.
 */
export const cacheRecordSelector: SelectFn = async (key, records) => {
  const ranked = await Promise.all(records.map(async (value, index) => {
    try {
      const { entry, signature } = await decodeCacheRecord(value, key)
      const attestations = entry.attestations ?? []
      const attesters = new Set(attestations.map(a => a.peer)).size
      const firstEpoch = Math.min(...attestations.map(a => a.epoch))
      return {
        index,
        sortKey: [(1000 - attesters).toString().padStart(4, '0'), firstEpoch.toString().padStart(16, '0'), CID.parse(entry.cid).toV1().toString(), entry.producer, entry.createdAt.toString().padStart(16, '0'), hex(signature)]
      }
    } catch {
      return { index, sortKey: undefined }
    }
  }))
  ranked.sort((a, b) => compareKeys(a.sortKey, b.sortKey) || a.index - b.index)
  return ranked[0]?.index ?? 0
}

export interface CacheRecordCallOptions extends AbortOptions {
  /** @default DEFAULT_CACHE_RECORD_TIMEOUT_MS */
  timeoutMs?: number | undefined
}

export interface PutCacheRecordResult {
  /** The record as published (producer = the signer). */
  entry: CacheEntry
  /** Remote peers that stored it; 0 on a lone node (then it is stored locally only). */
  peers: number
  /** Peers that refused it or failed. */
  errors: number
}

/**
 * Puts a signed record: stored locally at once, then at the closest peers.
 * Best effort: a timeout returns what was reached; only the caller's abort throws.
 */
export async function putCacheRecord (dht: Pick<KadDHT, 'put'>, entry: CacheEntry, privateKey: PrivateKey, options: CacheRecordCallOptions = {}): Promise<PutCacheRecordResult> {
  if (!isPublishable(entry)) fail(`cache record for ${entry.cacheId}: no signed attestation, so no member would count it; it stays in this node's own index`)
  const value = await encodeCacheRecord(entry, privateKey)
  const published = (await decodeCacheRecord(value)).entry
  const signal = withTimeout(options)
  let peers = 0
  let errors = 0
  try {
    for await (const event of dht.put(cacheRecordKey(entry.cacheId), value, { signal })) {
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE') peers++
      if (event.name === 'QUERY_ERROR') errors++
    }
  } catch (err: unknown) {
    rethrowIfCallerAborted(err, options.signal, `putting the cache record for ${entry.cacheId}`)
  }
  return { entry: published, peers, errors }
}

/**
 * Looks a cache id up in the DHT (locally stored records included): the
 * selected record's entry, or undefined when no one has one within the timeout.
 */
export async function getCacheRecord (dht: Pick<KadDHT, 'get'>, cacheId: string, options: CacheRecordCallOptions = {}): Promise<CacheEntry | undefined> {
  const key = cacheRecordKey(cacheId)
  const signal = withTimeout(options)
  let best: Uint8Array | undefined
  const seen: Uint8Array[] = []
  try {
    for await (const event of dht.get(key, { signal })) {
      if (event.name === 'VALUE') best = event.value
      // Records in peer responses are already validated by the DHT; kept in case
      // the query ends in an error after finding some (e.g. a failed correction).
      if (event.name === 'PEER_RESPONSE' && event.record != null) seen.push(event.record.value)
    }
  } catch (err: unknown) {
    rethrowIfCallerAborted(err, options.signal, `looking up the cache record for ${cacheId}`)
  }
  if (best == null && seen.length > 0) best = seen[await cacheRecordSelector(key, seen)]
  if (best == null) return undefined
  try {
    return (await decodeCacheRecord(best, key)).entry
  } catch {
    return undefined
  }
}

function withTimeout (options: CacheRecordCallOptions): AbortSignal {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_CACHE_RECORD_TIMEOUT_MS)
  return options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
}

function rethrowIfCallerAborted (err: unknown, signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw new AbortedError(`aborted while ${what}`, undefined, { cause: err })
  // Otherwise the timeout fired or the query failed: the result is what was reached.
}

function signingBytes (payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIGNING_PREFIX.byteLength + payload.byteLength)
  out.set(SIGNING_PREFIX)
  out.set(payload, SIGNING_PREFIX.byteLength)
  return out
}

/** Whether an entry can be published: the others count a record only through its signed attestations. */
export function isPublishable (entry: CacheEntry): boolean {
  return (entry.attestations ?? []).some(a => a.sig !== undefined)
}

function fail (message: string): never {
  throw new CacheRecordInvalidError(message)
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

function compareKeys (a: string[] | undefined, b: string[] | undefined): number {
  if (a == null || b == null) return a == null ? (b == null ? 0 : 1) : -1
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1
    if (a[i]! > b[i]!) return 1
  }
  return 0
}

/** @libp2p/peer-id, loaded on first use: the store's barrel is loaded by a render with no daemon, which signs and checks no record. */
async function peerIds (): Promise<typeof import('@libp2p/peer-id')> {
  return await import('@libp2p/peer-id')
}
