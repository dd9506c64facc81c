import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/log.ts'
import { BootstrapDialer, dialAddress } from '../../../src/node/dialer.ts'
import { manualTime } from '../lifecycle/manual-time.ts'
import type { DialerLibp2p } from '../../../src/node/dialer.ts'
import type { ManualTime } from '../lifecycle/manual-time.ts'
import type { PeerId } from '@libp2p/interface'

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

/** Manual time whose `advance` lets the dialer's loop run after each timer it fires. */
function virtualTime (start = 1_700_000_000_000): ManualTime & { advanceSettled: (ms: number) => Promise<void> } {
  const time = manualTime(start)
  return Object.assign(time, {
    advanceSettled: async (ms: number) => {
      const until = time.now() + ms
      while (time.fireNext(until)) await settled()
      await settled()
    }
  })
}

/** Lets every pending promise callback run (the dialer's loop between two awaits). */
async function settled (): Promise<void> {
  await new Promise(resolve => setImmediate(resolve))
}

/** A libp2p whose dials answer from a script, one answer per dial, and whose peer can hang up. */
function scriptedLibp2p (self: PeerId, answers: Array<Error | PeerId>): DialerLibp2p & { dials: number, hangUp: (peer: PeerId) => void } {
  const connected = new Set<string>()
  const target = new EventTarget()
  const fake = {
    dials: 0,
    peerId: self,
    getMultiaddrs: () => [],
    getConnections: (peer?: PeerId) => (peer !== undefined && connected.has(peer.toString()) ? [{ remotePeer: peer }] : []),
    addEventListener: (type: string, listener: EventListener) => {
      target.addEventListener(type, listener)
    },
    removeEventListener: (type: string, listener: EventListener) => {
      target.removeEventListener(type, listener)
    },
    dial: async () => {
      const answer = answers[fake.dials++] ?? new Error('no more answers')
      if (answer instanceof Error) throw answer
      connected.add(answer.toString())
      return { remotePeer: answer }
    },
    hangUp: (peer: PeerId) => {
      connected.delete(peer.toString())
      target.dispatchEvent(new CustomEvent('peer:disconnect', { detail: peer }))
    }
  }
  return fake as unknown as DialerLibp2p & { dials: number, hangUp: (peer: PeerId) => void }
}

describe('BootstrapDialer state', () => {
  it("keeps, per address, whether it is connected and to whom, the last failure's message and time, and the next attempt", async () => {
    const [self, remote] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')]).then(keys => keys.map(k => peerIdFromPrivateKey(k)))
    const time = virtualTime()
    const t0 = time.wallNow()
    const handshake = Object.assign(new Error('read ECONNRESET'), { name: 'EncryptionFailedError' })
    const libp2p = scriptedLibp2p(self!, [handshake, handshake, remote!, remote!])
    const address = '/ip4/127.0.0.1/tcp/4101'
    const dialer = new BootstrapDialer({ libp2p, logger: silentLogger(), clock: time, scheduler: time }, {
      // This node's own address, as in a cluster-wide list: not dialled, not listed.
      addresses: [address, `/ip4/127.0.0.1/tcp/4102/p2p/${self!.toString()}`],
      dialTimeoutMs: 5000,
      initialBackoffMs: 1000,
      maxBackoffMs: 4000
    })
    expect(dialer.state()).toEqual([])
    await dialer.start()
    await settled()

    const failed = dialer.state()
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ address, connected: false, peer: null, since: t0, failures: 1, lastError: { at: t0 } })
    expect(failed[0]?.lastError?.message).toBe(
      `cannot connect to ${address}: read ECONNRESET; the encrypted handshake failed: most often the two nodes have different swarm keys (give this one the cluster's: artdag init --swarm-key FILE --replace-swarm-key)`
    )
    // The backoff with its ±25 % jitter.
    expect(failed[0]?.nextAttemptAt).toBeGreaterThanOrEqual(t0 + 750)
    expect(failed[0]?.nextAttemptAt).toBeLessThanOrEqual(t0 + 1250)

    await time.advanceSettled(1250)
    const again = dialer.state()[0]
    expect(again).toMatchObject({ connected: false, since: t0, failures: 2 })
    expect(again?.lastError?.at).toBeGreaterThan(t0)
    expect(again?.nextAttemptAt).toBeGreaterThanOrEqual((again?.lastError?.at ?? 0) + 1500)

    await time.advanceSettled(2500)
    const connectedAt = time.wallNow()
    const connected = dialer.state()
    expect(libp2p.dials).toBe(3)
    expect(connected).toEqual([{ address, connected: true, peer: remote!.toString(), since: expect.any(Number), lastError: null, failures: 0, nextAttemptAt: null }])
    expect(connected[0]?.since).toBeLessThanOrEqual(connectedAt)

    // A stable connection that drops is redialled at once; the entry is replaced, never added to.
    await time.advanceSettled(20_000)
    const droppedAt = time.wallNow()
    libp2p.hangUp(remote!)
    await settled()
    expect(libp2p.dials).toBe(4)
    expect(dialer.state()).toEqual([{ address, connected: true, peer: remote!.toString(), since: droppedAt, lastError: null, failures: 0, nextAttemptAt: null }])

    await dialer.stop()
  })

  it('counts a connection that closes at once as a failure, and says so', async () => {
    const [self, remote] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')]).then(keys => keys.map(k => peerIdFromPrivateKey(k)))
    const time = virtualTime()
    const libp2p = scriptedLibp2p(self!, [remote!, remote!])
    const address = '/ip4/127.0.0.1/tcp/4101'
    const dialer = new BootstrapDialer({ libp2p, logger: silentLogger(), clock: time, scheduler: time }, { addresses: [address], dialTimeoutMs: 5000, initialBackoffMs: 1000 })
    await dialer.start()
    await settled()
    await time.advanceSettled(200)
    libp2p.hangUp(remote!)
    await settled()
    const [entry] = dialer.state()
    expect(entry).toMatchObject({ address, connected: false, peer: null, since: time.wallNow(), failures: 1 })
    expect(entry?.lastError?.message).toBe(`the connection to ${remote!.toString()} at ${address} closed 200 ms after it opened (it stopped, or it does not allow this node: its node.allowPeers)`)
    expect(entry?.nextAttemptAt).toBeGreaterThan(time.wallNow())

    // Connected again (the entry says so, with no failure), it hangs up at once again: the count goes on.
    await time.advanceSettled(1250)
    expect(libp2p.dials).toBe(2)
    expect(dialer.state()[0]).toMatchObject({ connected: true, failures: 0, lastError: null })
    await time.advanceSettled(300)
    libp2p.hangUp(remote!)
    await settled()
    expect(dialer.state()[0]).toMatchObject({ connected: false, failures: 2, lastError: { message: expect.stringMatching(/closed \d+ ms after it opened/) } })
    await dialer.stop()
  })
})
