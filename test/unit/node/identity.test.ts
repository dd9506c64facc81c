import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ed25519PeerIdOf, readPeerId } from '../../../src/node/identity.ts'

describe('the peer id of an identity file, read without libp2p', () => {
  it('is the one @libp2p/peer-id derives, for any Ed25519 key', async () => {
    for (let i = 0; i < 20; i++) {
      const key = await generateKeyPair('Ed25519')
      expect(ed25519PeerIdOf(privateKeyToProtobuf(key))).toBe(peerIdFromPrivateKey(key).toString())
    }
  })

  it('leaves other keys and other bytes to the full decoder, which names what is wrong', async () => {
    const secp = await generateKeyPair('secp256k1')
    expect(ed25519PeerIdOf(privateKeyToProtobuf(secp))).toBeUndefined()
    expect(ed25519PeerIdOf(new Uint8Array(68))).toBeUndefined()
    const dir = await mkdtemp(join(tmpdir(), 'artdag-identity-'))
    try {
      await writeFile(join(dir, 'secp.key'), privateKeyToProtobuf(secp))
      await expect(readPeerId(join(dir, 'secp.key'))).rejects.toThrow(expect.objectContaining({ name: 'IdentityKeyInvalidError', message: expect.stringContaining('is a secp256k1 key') }))
      await writeFile(join(dir, 'garbage.key'), 'not a key')
      await expect(readPeerId(join(dir, 'garbage.key'))).rejects.toThrow(expect.objectContaining({ name: 'IdentityKeyInvalidError' }))
      const ed = await generateKeyPair('Ed25519')
      await writeFile(join(dir, 'ed.key'), privateKeyToProtobuf(ed))
      expect(await readPeerId(join(dir, 'ed.key'))).toBe(peerIdFromPrivateKey(ed).toString())
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
