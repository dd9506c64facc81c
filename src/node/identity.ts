import { readFile } from 'node:fs/promises'
import { errorCode, errorMessage } from '../errors.ts'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { IdentityKeyInvalidError } from './errors.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/**
 * The node's identity: a libp2p Ed25519 private key stored as its protobuf
 * encoding (the same bytes `privateKeyToProtobuf` gives and Kubo's keystore
 * uses). The peer id derives from it.
 */
export interface Identity {
  privateKey: PrivateKey
  peerId: PeerId
}

/** A new Ed25519 identity; the caller writes `encodeIdentity(...)` to the home. */
export async function generateIdentity (): Promise<Identity> {
  const privateKey = await generateKeyPair('Ed25519')
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey) }
}

export function encodeIdentity (privateKey: PrivateKey): Uint8Array {
  return privateKeyToProtobuf(privateKey)
}

/** Decodes `identity.key`; `source` (the file name) goes into error messages. */
export function decodeIdentity (bytes: Uint8Array, source: string): Identity {
  let privateKey: PrivateKey
  try {
    privateKey = privateKeyFromProtobuf(bytes)
  } catch (err: unknown) {
    throw new IdentityKeyInvalidError(`identity key ${source} is not a libp2p private key (protobuf): ${errorMessage(err)}`, { file: source }, { cause: err })
  }
  if (privateKey.type !== 'Ed25519') {
    throw new IdentityKeyInvalidError(`identity key ${source} is a ${privateKey.type} key; artdag identities are Ed25519`, { file: source })
  }
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey) }
}

export async function readIdentity (path: string): Promise<Identity> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err: unknown) {
    throw new IdentityKeyInvalidError(`cannot read identity key ${path}: ${errorCode(err) ?? errorMessage(err)}`, { file: path }, { cause: err })
  }
  return decodeIdentity(bytes, path)
}
