import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { toString } from 'uint8arrays'
import { buildRegistryDocument } from '../../../src/membership/core/registry-document.ts'
import { nodeRecordBytes, recordOf } from '../../../src/protocol/messages/heartbeat.ts'
import type { RegistryDocument, RegistryEntry } from '../../../src/membership/core/registry-document.ts'
import type { Heartbeat, NodeRecord, SignedHeartbeat } from '../../../src/protocol/messages/heartbeat.ts'
import type { PrivateKey } from '@libp2p/interface'

/** The keys of the peer ids made here: the fixtures sign records as their nodes would. */
const keys = new Map<string, PrivateKey>()

/** Real Ed25519 peer ids, as strings; their keys sign the records made for them below. */
export async function makePeerIds (n: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const key = await generateKeyPair('Ed25519')
    const id = peerIdFromPrivateKey(key).toString()
    keys.set(id, key)
    out.push(id)
  }
  return out
}

/** The record's own node's signature (Ed25519 signs synchronously in Node). */
export function signatureOf (record: NodeRecord, by = record.peerId): string {
  const key = keys.get(by)
  if (key === undefined) throw new Error(`no key for ${by}: make it with makePeerIds`)
  return toString(key.sign(nodeRecordBytes(record)) as Uint8Array, 'base64url')
}

/** A heartbeat as its node sends it: signed by its key. */
export function makeHeartbeat (peerId: string, seq: number, overrides: Partial<Heartbeat> = {}): SignedHeartbeat {
  const body: Heartbeat = {
    v: 1,
    type: 'heartbeat',
    peerId,
    addrs: ['/ip4/127.0.0.1/tcp/4101'],
    version: '0.1.0',
    seq,
    sentAt: seq,
    capacity: { slots: 2, cores: 2, freeDiskBytes: 10_000_000_000 },
    capabilities: { ffmpegVersion: '7.1', encoders: ['libx264', 'aac'] },
    load: { runningSteps: 0, loadAverage: 0.5 },
    leases: [],
    jobs: [],
    ...overrides
  }
  return { ...body, signature: body.signature ?? signatureOf(body) }
}

/** A registry entry carrying the heartbeat's record and signature. */
export function entryOf (heartbeat: SignedHeartbeat, lastSeen: number): RegistryEntry {
  return { record: recordOf(heartbeat), signature: heartbeat.signature, lastSeen }
}

/** The document `self` would publish listing `entries`. */
export function documentOf (self: SignedHeartbeat, entries: RegistryEntry[], publishedAt: number): RegistryDocument {
  return buildRegistryDocument(recordOf(self), self.signature, entries, publishedAt)
}
