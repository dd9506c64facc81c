import { randomBytes, sign as cryptoSign, verify as cryptoVerify, createPrivateKey, createPublicKey } from 'node:crypto'
import { generateKeyPair, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import type { PrivateKey } from '@libp2p/interface'
import { useEd25519KeyObjects } from '../../../src/node/ed25519-key-objects.ts'

/** A list of chunks, as libp2p's Uint8ArrayList passes them: read through subarray(). */
function chunked (...parts: Uint8Array[]): Parameters<PrivateKey['sign']>[0] {
  const list = { subarray: () => Buffer.concat(parts) }
  return list as unknown as Parameters<PrivateKey['sign']>[0]
}

/** What @libp2p/crypto computes, built the way it builds it: a KeyObject from a JWK per call. */
function referenceSign (raw: Uint8Array, message: Uint8Array): Uint8Array {
  const key = createPrivateKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(raw.subarray(0, 32)).toString('base64url'), x: Buffer.from(raw.subarray(32)).toString('base64url') } })
  return cryptoSign(null, message, key)
}

function referenceVerify (raw: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  return cryptoVerify(null, message, createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') } }), sig)
}

describe('Ed25519 key objects kept per key', () => {
  it('patches @libp2p/crypto once', () => {
    expect(useEd25519KeyObjects()).toBe(true)
    expect(useEd25519KeyObjects()).toBe(true)
  })

  it('signs exactly as @libp2p/crypto does, again and again, for each key', async () => {
    useEd25519KeyObjects()
    const keys = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
    for (const key of keys) {
      for (let i = 0; i < 3; i++) {
        const message = randomBytes(100 + i)
        const sig = await key.sign(message)
        expect(Buffer.from(sig).equals(Buffer.from(referenceSign(key.raw, message)))).toBe(true)
        const list = chunked(message.subarray(0, 10), message.subarray(10))
        expect(Buffer.from(await key.sign(list)).equals(Buffer.from(sig))).toBe(true)
      }
    }
  })

  it('verifies exactly as @libp2p/crypto does: a good signature, a tampered message, another key', async () => {
    useEd25519KeyObjects()
    const [a, b] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
    const message = randomBytes(64)
    const sig = await a.sign(message)
    const tampered = Uint8Array.from(message)
    tampered[0] = (tampered[0] ?? 0) ^ 1
    const cases: Array<[Uint8Array, Uint8Array, Uint8Array]> = [[a.publicKey.raw, message, sig], [a.publicKey.raw, tampered, sig], [b.publicKey.raw, message, sig]]
    for (const [raw, data, signature] of cases) {
      // A fresh key object each time, as a peer id yields one per message.
      const key = publicKeyFromRaw(raw)
      expect(await key.verify(data, signature)).toBe(referenceVerify(raw, data, signature))
      expect(await key.verify(chunked(data), signature)).toBe(referenceVerify(raw, data, signature))
    }
    expect(await publicKeyFromRaw(a.publicKey.raw).verify(message, sig)).toBe(true)
    expect(await publicKeyFromRaw(b.publicKey.raw).verify(message, sig)).toBe(false)
  })

  it('leaves what it does not handle to @libp2p/crypto, errors included', async () => {
    useEd25519KeyObjects()
    const key = await generateKeyPair('Ed25519')
    // A signature of the wrong length is a TypeError there, not a false.
    expect(() => key.publicKey.verify(randomBytes(10), randomBytes(63))).toThrow(TypeError)
  })

  it('honours an aborted signal as @libp2p/crypto does', async () => {
    useEd25519KeyObjects()
    const key = await generateKeyPair('Ed25519')
    const signal = AbortSignal.abort()
    expect(() => key.sign(randomBytes(10), { signal })).toThrow()
    expect(() => key.publicKey.verify(randomBytes(10), randomBytes(64), { signal })).toThrow()
  })
})
