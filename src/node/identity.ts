import { readFile } from 'node:fs/promises'
import { errorCode, errorMessage } from '../errors.ts'
import { base58btc } from 'multiformats/bases/base58'
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

/**
 * libp2p's keys and peer ids (with every key type's curves: ~80 modules), loaded on
 * first use: `artdag render` with no daemon needs only its peer id (readPeerId).
 */
async function libp2pKeys (): Promise<typeof import('@libp2p/crypto/keys') & typeof import('@libp2p/peer-id')> {
  const [keys, ids] = await Promise.all([import('@libp2p/crypto/keys'), import('@libp2p/peer-id')])
  return { ...keys, ...ids }
}

/** A new Ed25519 identity; the caller writes `encodeIdentity(...)` to the home. */
export async function generateIdentity (): Promise<Identity> {
  const { generateKeyPair, peerIdFromPrivateKey } = await libp2pKeys()
  const privateKey = await generateKeyPair('Ed25519')
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey) }
}

export async function encodeIdentity (privateKey: PrivateKey): Promise<Uint8Array> {
  return (await libp2pKeys()).privateKeyToProtobuf(privateKey)
}

/** Decodes `identity.key`; `source` (the file name) goes into error messages. */
export async function decodeIdentity (bytes: Uint8Array, source: string): Promise<Identity> {
  const { privateKeyFromProtobuf, peerIdFromPrivateKey } = await libp2pKeys()
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
  return await decodeIdentity(await readKeyFile(path), path)
}

/**
 * The peer id of an identity file. An Ed25519 key (every artdag identity) is read
 * here without libp2p's keys; anything else goes through decodeIdentity, which
 * says what is wrong with it.
 */
export async function readPeerId (path: string): Promise<string> {
  const bytes = await readKeyFile(path)
  return ed25519PeerIdOf(bytes) ?? (await decodeIdentity(bytes, path)).peerId.toString()
}

/**
 * The peer id of an Ed25519 private key in libp2p's protobuf (`08 01 12 40`, then the
 * 32-byte seed and the 32-byte public key), or undefined for any other bytes: the
 * identity multihash of the public key's protobuf (`08 01 12 20`, the key), in
 * base58btc, as @libp2p/peer-id writes it.
 */
export function ed25519PeerIdOf (bytes: Uint8Array): string | undefined {
  if (bytes.byteLength !== 68 || bytes[0] !== 0x08 || bytes[1] !== 0x01 || bytes[2] !== 0x12 || bytes[3] !== 0x40) return undefined
  const multihash = new Uint8Array(2 + 36)
  multihash.set([0x00, 36, 0x08, 0x01, 0x12, 0x20])
  multihash.set(bytes.subarray(36, 68), 6)
  return base58btc.encode(multihash).slice(1)
}

async function readKeyFile (path: string): Promise<Uint8Array> {
  try {
    return await readFile(path)
  } catch (err: unknown) {
    throw new IdentityKeyInvalidError(`cannot read identity key ${path}: ${errorCode(err) ?? errorMessage(err)}`, { file: path }, { cause: err })
  }
}
