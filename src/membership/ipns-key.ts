import { signalOnly } from '../lifecycle/index.ts'
import type { AbortOptions } from '../lifecycle/index.ts'
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { errorName } from '../errors.ts'
import { equals } from 'uint8arrays/equals'
import type { Helia } from '@helia/interface'
import type { PrivateKey } from '@libp2p/interface'

/**
 * Puts our libp2p key in Helia's keychain under `keyName`, so `ipns.publish`
 * signs with it and our IPNS name is our peer id: any node can find our
 * registry from the peer id alone. The keychain has its own key types, so the
 * key goes through its Ed25519 implementation. Idempotent.
 */
export async function ensureIpnsKey (
  helia: Pick<Helia, 'keychain' | 'getCrypto'>,
  privateKey: PrivateKey,
  keyName: string,
  options: AbortOptions = {}
): Promise<void> {
  const ours = privateKey.publicKey.toMultihash().bytes
  try {
    const existing = await helia.keychain.exportKey(keyName, signalOnly(options))
    if (equals(existing.publicKey.toMultihash().bytes, ours)) return
    // Another key under our name (the home's identity was replaced): ours wins.
    await helia.keychain.removeKey(keyName, signalOnly(options))
  } catch (err: unknown) {
    if (errorName(err) !== 'NotFoundError') throw err
  }
  const crypto = await helia.getCrypto(privateKey.type, signalOnly(options))
  const key = await crypto.privateKeyFromProtobuf(privateKeyToProtobuf(privateKey), signalOnly(options))
  await helia.keychain.importKey(keyName, key, signalOnly(options))
}
