import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { privateKeyFromRaw, publicKeyFromRaw } from '@libp2p/crypto/keys'

/**
 * @libp2p/crypto 5.1 signs and verifies Ed25519 with node:crypto, but builds
 * a new KeyObject from a JWK for every call: 35 µs of a 60 µs signature and
 * 20 µs of a 110 µs verification (measured on this machine). Every gossipsub
 * message is signed by its publisher and checked by each receiver
 * (StrictSign), and heartbeats, cache records and attestations carry
 * signatures of their own, all with a handful of keys: the cluster's members.
 * This keeps one KeyObject per key instead. Same keys, same bytes, same
 * results: an Ed25519 signature is deterministic, and anything the fast path
 * does not handle (another length of key or signature) goes to the original
 * method, errors included.
 */
export const MAX_CACHED_PUBLIC_KEYS = 1024

const PATCHED = Symbol.for('artdag.ed25519.keyObjects')

interface Ed25519PublicKeyLike {
  raw: Uint8Array
  verify: (data: Uint8Array | { subarray: () => Uint8Array }, sig: Uint8Array, options?: { signal?: AbortSignal }) => boolean | Promise<boolean>
}

interface Ed25519PrivateKeyLike {
  raw: Uint8Array
  sign: (message: Uint8Array | { subarray: () => Uint8Array }, options?: { signal?: AbortSignal }) => Uint8Array | Promise<Uint8Array>
}

type Patchable<T> = T & { [PATCHED]?: boolean }

/** Idempotent; returns whether @libp2p/crypto's Ed25519 keys (now) keep their KeyObjects. */
export function useEd25519KeyObjects (): boolean {
  const publicProto = Object.getPrototypeOf(publicKeyFromRaw(new Uint8Array(32))) as Patchable<Ed25519PublicKeyLike>
  const privateProto = Object.getPrototypeOf(privateKeyFromRaw(new Uint8Array(64))) as Patchable<Ed25519PrivateKeyLike>
  if (publicProto[PATCHED] === true) return true
  if (typeof publicProto.verify !== 'function' || typeof privateProto.sign !== 'function') return false

  const verify = publicProto.verify
  publicProto.verify = function (data, sig, options) {
    if (!(this.raw instanceof Uint8Array) || this.raw.byteLength !== 32 || !(sig instanceof Uint8Array) || sig.byteLength !== 64) {
      return verify.call(this, data, sig, options)
    }
    options?.signal?.throwIfAborted()
    return cryptoVerify(null, bytesOf(data), publicKeyObject(this.raw), sig)
  }

  const sign = privateProto.sign
  const privateKeys = new WeakMap<object, KeyObject>()
  privateProto.sign = function (message, options) {
    if (!(this.raw instanceof Uint8Array) || this.raw.byteLength !== 64) return sign.call(this, message, options)
    options?.signal?.throwIfAborted()
    let key = privateKeys.get(this)
    if (key === undefined) {
      key = createPrivateKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', d: base64url(this.raw.subarray(0, 32)), x: base64url(this.raw.subarray(32)) } })
      privateKeys.set(this, key)
    }
    return cryptoSign(null, bytesOf(message), key)
  }

  publicProto[PATCHED] = true
  return true
}

/** The members' keys, newest use last; the oldest goes when the map is full. */
const publicKeys = new Map<string, KeyObject>()

function publicKeyObject (raw: Uint8Array): KeyObject {
  const x = base64url(raw)
  let key = publicKeys.get(x)
  if (key !== undefined) {
    publicKeys.delete(x)
  } else {
    key = createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x } })
    if (publicKeys.size >= MAX_CACHED_PUBLIC_KEYS) publicKeys.delete(publicKeys.keys().next().value as string)
  }
  publicKeys.set(x, key)
  return key
}

function bytesOf (data: Uint8Array | { subarray: () => Uint8Array }): Uint8Array {
  return data instanceof Uint8Array ? data : data.subarray()
}

function base64url (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}
