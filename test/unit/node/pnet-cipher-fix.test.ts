import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { applyPnetCipherFix, loadPnetXSalsa20, XOR_CHUNK_BYTES } from '../../../src/node/pnet-cipher-fix.ts'

const MiB = 1024 * 1024

describe('pnet cipher fix (xsalsa20 shared wasm memory)', () => {
  // oxlint-disable-next-line typescript/no-explicit-any -- a private class read for its wasm memory
  const XSalsa20 = loadPnetXSalsa20() as any

  it('finds the cipher @libp2p/pnet uses and patches it once', () => {
    expect(XSalsa20).toBeDefined()
    expect(applyPnetCipherFix()).toBe(true)
    expect(applyPnetCipherFix()).toBe(true)
  })

  it('encrypts multi-MiB buffers on many ciphers without growing the shared memory', () => {
    applyPnetCipherFix()
    const key = randomBytes(32)
    const ciphers = Array.from({ length: 8 }, () => new XSalsa20(randomBytes(24), key))
    const initial = ciphers[0]._xor._memory.buffer.byteLength
    const input = randomBytes(12 * MiB)
    // Unpatched, each cipher copies its whole input into the memory (and stale
    // views grow it again): 8 × 12 MiB is past the 62.5 MiB cap.
    for (let round = 0; round < 2; round++) {
      for (const cipher of ciphers) expect(cipher.update(input).byteLength).toBe(input.byteLength)
    }
    expect(ciphers[0]._xor._memory.buffer.byteLength).toBe(initial)
  })

  it('gives the same stream as byte-sized updates, and decrypts back', () => {
    applyPnetCipherFix()
    const key = randomBytes(32)
    const nonce = randomBytes(24)
    const plain = randomBytes(3 * XOR_CHUNK_BYTES + 12345)
    const whole = new XSalsa20(nonce, key).update(plain)
    const pieces = new XSalsa20(nonce, key)
    const streamed = new Uint8Array(plain.byteLength)
    for (let at = 0; at < plain.byteLength; at += 1000) {
      const end = Math.min(at + 1000, plain.byteLength)
      streamed.set(pieces.update(plain.subarray(at, end)), at)
    }
    expect(Buffer.from(whole).equals(Buffer.from(streamed))).toBe(true)
    expect(Buffer.from(new XSalsa20(nonce, key).update(whole)).equals(plain)).toBe(true)
  })
})
