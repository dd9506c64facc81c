import type { PrivateKey } from '@libp2p/interface'

/**
 * Signed statements members make about steps, which anyone may relay and
 * nobody can make for another member: "my run of `cacheId` under my lease at
 * `epoch` gave `cid`" (an attestation) and "my run at `epoch` failed". The
 * prefix keeps a signature from meaning anything in another protocol; Ed25519
 * signatures are deterministic, so a node signing its own statement twice
 * gets the same bytes.
 */
const encoder = new TextEncoder()

export function resultStatement (cacheId: string, cid: string, epoch: number): Uint8Array {
  return encoder.encode(`artdag-result:v1\u0000${cacheId}\u0000${cid}\u0000${epoch}`)
}

export function failureStatement (cacheId: string, epoch: number): Uint8Array {
  return encoder.encode(`artdag-failed:v1\u0000${cacheId}\u0000${epoch}`)
}

export async function signStatement (privateKey: PrivateKey, statement: Uint8Array): Promise<string> {
  return Buffer.from(await privateKey.sign(statement)).toString('base64')
}

/** Whether `sig` (base64) is `peer`'s signature of `statement`; false for anything malformed. */
export async function verifyStatement (peer: string, statement: Uint8Array, sig: string | undefined): Promise<boolean> {
  if (sig === undefined) return false
  try {
    // Loaded on first use: a render with no daemon verifies nothing and need not load libp2p's keys.
    const { peerIdFromString } = await import('@libp2p/peer-id')
    const publicKey = peerIdFromString(peer).publicKey
    if (publicKey === undefined) return false
    return await publicKey.verify(statement, Buffer.from(sig, 'base64'))
  } catch {
    // A peer id that is not a key, or bytes that are not a signature: not this peer's statement.
    return false
  }
}
