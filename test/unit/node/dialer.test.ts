import { describe, expect, it } from 'vitest'
import { dialAddress } from '../../../src/node/dialer.ts'
import type { DialerLibp2p } from '../../../src/node/dialer.ts'

function refusing (err: Error): DialerLibp2p {
  return { dial: async () => await Promise.reject(err) } as unknown as DialerLibp2p
}

describe('dialAddress', () => {
  it("says a failed handshake most often means another swarm key, and how to give the cluster's", async () => {
    const err = Object.assign(new Error('read ECONNRESET'), { name: 'EncryptionFailedError' })
    await expect(dialAddress(refusing(err), '/ip4/127.0.0.1/tcp/4101', { timeoutMs: 5000 })).rejects.toThrow(
      "cannot connect to /ip4/127.0.0.1/tcp/4101: read ECONNRESET; the encrypted handshake failed: most often the two nodes have different swarm keys (give this one the cluster's: artdag init --swarm-key FILE --replace-swarm-key)"
    )
  })

  it('names the address and the reason for any other failure, without the hint', async () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4101'), { code: 'ECONNREFUSED' })
    await expect(dialAddress(refusing(err), '/ip4/127.0.0.1/tcp/4101', { timeoutMs: 5000 })).rejects.toThrow(/^cannot connect to \/ip4\/127\.0\.0\.1\/tcp\/4101: connect ECONNREFUSED 127\.0\.0\.1:4101$/)
  })
})
