import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { persistentPeerStore } from '@libp2p/peer-store'
import { MemoryDatastore } from 'datastore-core'
import { TypedEventEmitter } from 'main-event'
import { describe, expect, it } from 'vitest'
import { skipKnownProtocolMerges } from '../../../src/node/known-protocols.ts'
import type { Libp2pEvents, PeerId, PeerStore } from '@libp2p/interface'

async function peerId (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/** A real peer store; `writes` counts the merges that reached it. */
async function setUp (): Promise<{ peerStore: PeerStore, writes: () => number, clock: { now: number }, events: TypedEventEmitter<Libp2pEvents> }> {
  const events = new TypedEventEmitter<Libp2pEvents>()
  const peerStore = persistentPeerStore({ peerId: await peerId(), datastore: new MemoryDatastore(), events, logger: defaultLogger() })
  let writes = 0
  const merge = peerStore.merge.bind(peerStore)
  peerStore.merge = async (...args) => {
    writes++
    return await merge(...args)
  }
  const clock = { now: 0 }
  skipKnownProtocolMerges({ peerStore, addEventListener: events.addEventListener.bind(events) }, { ttlMs: 1000, now: () => clock.now })
  return { peerStore, writes: () => writes, clock, events }
}

describe("libp2p's per-stream protocol merges", () => {
  it('a protocol the stored record lists already is not merged again; another one is', async () => {
    const { peerStore, writes } = await setUp()
    const remote = await peerId()
    await peerStore.merge(remote, { protocols: ['/artdag/fetch/1.0.0'] })
    for (let i = 0; i < 5; i++) expect((await peerStore.merge(remote, { protocols: ['/artdag/fetch/1.0.0'] })).protocols).toContain('/artdag/fetch/1.0.0')
    expect(writes()).toBe(1)
    await peerStore.merge(remote, { protocols: ['/ipfs/ping/1.0.0'] })
    expect(writes()).toBe(2)
    expect((await peerStore.get(remote)).protocols).toEqual(['/artdag/fetch/1.0.0', '/ipfs/ping/1.0.0'])
  })

  it('after an update of the peer (identify replacing its protocols), the next merge writes again', async () => {
    const { peerStore, writes } = await setUp()
    const remote = await peerId()
    await peerStore.merge(remote, { protocols: ['/artdag/fetch/1.0.0'] })
    await peerStore.patch(remote, { protocols: ['/ipfs/id/1.0.0'] })
    await peerStore.merge(remote, { protocols: ['/artdag/fetch/1.0.0'] })
    expect(writes()).toBe(2)
    expect((await peerStore.get(remote)).protocols).toContain('/artdag/fetch/1.0.0')
  })

  it('after a deletion, or once the time is up, the merge writes again; merges of anything else always do', async () => {
    const { peerStore, writes, clock } = await setUp()
    const remote = await peerId()
    await peerStore.merge(remote, { protocols: ['/p/1'] })
    await peerStore.delete(remote)
    await peerStore.merge(remote, { protocols: ['/p/1'] })
    expect(writes()).toBe(2)
    clock.now = 1000
    await peerStore.merge(remote, { protocols: ['/p/1'] })
    expect(writes()).toBe(3)
    await peerStore.merge(remote, { protocols: ['/p/1'], tags: { kept: { value: 1 } } })
    await peerStore.merge(remote, { metadata: { a: new Uint8Array([1]) } })
    expect(writes()).toBe(5)
  })

  it('forgets a peer once it disconnects: the next merge after a reconnection writes again', async () => {
    const { peerStore, writes, events } = await setUp()
    const remote = await peerId()
    await peerStore.merge(remote, { protocols: ['/p/1'] })
    await peerStore.merge(remote, { protocols: ['/p/1'] })
    expect(writes()).toBe(1)
    events.safeDispatchEvent('peer:disconnect', { detail: remote })
    await peerStore.merge(remote, { protocols: ['/p/1'] })
    expect(writes()).toBe(2)
  })
})
