import { peerIdFromString } from '@libp2p/peer-id'
import { fromString, toString } from 'uint8arrays'
import { nodeRecordBytes } from '../../protocol/index.ts'
import type { NodeRecord } from '../../protocol/index.ts'
import type { PrivateKey } from '@libp2p/interface'

/**
 * A node record is authoritative only from its node: the node signs it with
 * its own libp2p key (the key its peer id embeds), and whoever relays it (a
 * registry document) relays the signature too. Nobody else can make a record
 * for a peer id, so nobody else can raise its sequence number.
 */

/** Checks a record's signature: true only when the record's own peer id signed exactly these fields. */
export type RecordVerifier = (record: NodeRecord, signature: string) => boolean

/** Signs our own record; the signature goes into heartbeats and registry documents. */
export async function signNodeRecord (record: NodeRecord, privateKey: PrivateKey): Promise<string> {
  return toString(await privateKey.sign(nodeRecordBytes(record)), 'base64url')
}

/**
 * Verifies with the public key embedded in the record's peer id (Ed25519 and
 * secp256k1 ids embed it; an RSA `Qm…` id does not, and its records never verify).
 * Never throws. Synchronous: Node's Ed25519 verification is; a key type whose
 * verification is asynchronous is refused rather than trusted.
 */
export function verifyNodeRecord (record: NodeRecord, signature: string): boolean {
  try {
    const key = peerIdFromString(record.peerId).publicKey
    if (key === undefined) return false
    const verdict = key.verify(nodeRecordBytes(record), fromString(signature, 'base64url'))
    return verdict === true
  } catch {
    return false
  }
}
