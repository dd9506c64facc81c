import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { libp2pPing, muxerPingOf, muxerRoundTrip } from '../../../src/jobs/service/ports/ping.ts'
import { addressOf, createTestCluster } from './fixtures.ts'
import type { TestCluster } from './fixtures.ts'
import type { ArtdagNode } from '../../../src/node/create-node.ts'

/** The round trips the lease protocol's waits follow (src/jobs/driver/round-trips.ts), over real connections. */
describe('round trips to peers', () => {
  let cluster: TestCluster
  beforeEach(async () => {
    cluster = await createTestCluster('artdag-rtt-')
  })
  afterEach(async () => {
    await cluster.cleanup()
  })

  async function sample (ping: ReturnType<typeof libp2pPing>, peer: string): Promise<number | undefined> {
    let rtt: number | undefined
    await ping.ping(peer, ms => {
      rtt = ms
    }, { signal: AbortSignal.timeout(20_000) })
    return rtt
  }

  it('measures a connected peer with the muxer ping, without opening a stream', async () => {
    const a = await cluster.start('a')
    const b = await cluster.start('b', { bootstrap: [addressOf(a)] })
    await b.dial(addressOf(a))
    const [connection] = b.libp2p.getConnections(a.peerId)
    const muxer = muxerPingOf(b.libp2p.getConnections(a.peerId))
    expect(muxer).toBeDefined()
    const muxerPings = vi.spyOn(muxer!, 'ping')
    // The real connections; libp2p's ping protocol (a stream per ping) must not be used.
    const libp2p = {
      getConnections: b.libp2p.getConnections.bind(b.libp2p),
      services: { ping: { ping: async () => await Promise.reject(new Error('libp2p ping used for a connected peer')) } }
    } as unknown as ArtdagNode['libp2p']
    const ping = libp2pPing(libp2p)
    for (let i = 0; i < 3; i++) {
      const rtt = await sample(ping, a.peerId.toString())
      expect(rtt).toBeTypeOf('number')
      expect(rtt).toBeGreaterThanOrEqual(0)
    }
    expect(muxerPings.mock.calls.length).toBeGreaterThanOrEqual(3)
    // The connection is still usable: the pings left nothing behind that broke it.
    expect(connection!.status).toBe('open')
  })

  it('pings a peer it is not connected to with libp2p ping, which dials it', async () => {
    const a = await cluster.start('a')
    const b = await cluster.start('b')
    await b.libp2p.peerStore.merge(a.peerId, { multiaddrs: a.multiaddrs() })
    expect(b.libp2p.getConnections(a.peerId)).toHaveLength(0)
    const rtt = await sample(libp2pPing(b.libp2p), a.peerId.toString())
    expect(rtt).toBeTypeOf('number')
    expect(b.libp2p.getConnections(a.peerId).length).toBeGreaterThan(0)
  })

  it('gives no sample when the muxer does not answer in time, and leaves its ping waiting', async () => {
    let pinged = 0
    const silent = {
      ping: async () => {
        pinged++
        return await new Promise<number>(() => {})
      }
    }
    expect(await muxerRoundTrip(silent, 20, AbortSignal.timeout(10_000))).toBeUndefined()
    const controller = new AbortController()
    const aborted = muxerRoundTrip(silent, 10_000, controller.signal)
    controller.abort()
    expect(await aborted).toBeUndefined()
    expect(await muxerRoundTrip(silent, 10_000, AbortSignal.abort())).toBeUndefined()
    expect(pinged).toBe(2)
    const failing = { ping: async () => await Promise.reject(new Error('muxer closed')) }
    expect(await muxerRoundTrip(failing, 10_000, AbortSignal.timeout(10_000))).toBeUndefined()
  })
})
