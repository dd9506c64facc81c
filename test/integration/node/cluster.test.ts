import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSwarmKey } from '../../../src/node/swarm-key.ts'
import { addressOf, createTestCluster, freePort, until } from './fixtures.ts'
import type { ArtdagNode } from '../../../src/node/create-node.ts'
import type { PubSubMessage } from '../../../src/node/gossipsub.ts'
import type { TestCluster } from './fixtures.ts'

const TOPIC = 'artdag/test/cluster'

/** Resolves with the first message on TOPIC at `node` that `from` published. */
async function nextMessage (node: ArtdagNode, from: ArtdagNode, timeoutMs = 15_000): Promise<string> {
  const done = Promise.withResolvers<string>()
  const onMessage = (event: CustomEvent<PubSubMessage>): void => {
    const msg = event.detail
    if (msg.topic === TOPIC && msg.type === 'signed' && msg.from.equals(from.peerId)) done.resolve(new TextDecoder().decode(msg.data))
  }
  const timer = setTimeout(() => {
    done.reject(new Error(`no message from ${from.peerId} within ${timeoutMs} ms`))
  }, timeoutMs)
  node.pubsub.addEventListener('message', onMessage)
  try {
    return await done.promise
  } finally {
    clearTimeout(timer)
    node.pubsub.removeEventListener('message', onMessage)
  }
}

/** Publishes until `to` gets it: pubsub is best effort while the mesh forms. */
async function deliver (from: ArtdagNode, to: ArtdagNode, text: string): Promise<string> {
  const received = nextMessage(to, from)
  let delivered = false
  void received.finally(() => {
    delivered = true
  }).catch(() => {})
  const resend = async (): Promise<void> => {
    while (!delivered) {
      await from.pubsub.publish(TOPIC, new TextEncoder().encode(text))
      await Promise.race([received.catch(() => {}), new Promise(resolve => setTimeout(resolve, 200))])
    }
  }
  const [message] = await Promise.all([received, resend()])
  return message
}

async function allSubscribed (nodes: ArtdagNode[]): Promise<void> {
  for (const node of nodes) {
    const others = nodes.filter(other => other !== node).map(other => other.peerId.toString())
    await until(
      () => others.every(id => node.pubsub.getSubscribers(TOPIC).some(peer => peer.toString() === id)),
      [[node.pubsub, 'subscription-change']],
      `${node.peerId} to see the subscriptions of ${others.join(', ')}`
    )
  }
}

describe('a private cluster', () => {
  let cluster: TestCluster
  let a: ArtdagNode
  let b: ArtdagNode
  let c: ArtdagNode

  beforeAll(async () => {
    cluster = await createTestCluster()
    a = await cluster.start('a')
    // One bootstrap address for both, once with and once without the peer id.
    b = await cluster.start('b', { bootstrap: [addressOf(a)] })
    c = await cluster.start('c', { bootstrap: [addressOf(a, false)] })
    for (const node of [a, b, c]) node.pubsub.subscribe(TOPIC)
  })
  afterAll(async () => {
    await cluster.cleanup()
  })

  it('connects from one bootstrap address; every node sees the others on gossipsub', async () => {
    await allSubscribed([a, b, c])
    // b and c found each other through the DHT, not through a
    expect(b.libp2p.getConnections(c.peerId).length).toBeGreaterThan(0)
    expect(await deliver(c, b, 'hello from c')).toBe('hello from c')
    expect(await deliver(b, a, 'hello from b')).toBe('hello from b')
  })

  it('an IPNS name published on one node resolves on another (our DHT, with the ipns validator)', async () => {
    const cid = await a.content.putJson({ registry: 'a' })
    await a.helia.keychain.generateKey('test-name')
    const published = await a.ipns.publish('test-name', cid, { signal: AbortSignal.timeout(10_000) })
    const values: string[] = []
    for await (const result of c.ipns.resolve(published.publicKey, { signal: AbortSignal.timeout(10_000) })) values.push(result.value)
    expect(values.at(-1)).toBe(`/ipfs/${cid}`)
  })

  it('keeps out a node with another swarm key, and one with none; the keyed nodes carry on', async () => {
    const outsider = await cluster.start('outsider', { swarmKey: generateSwarmKey() })
    await expect(outsider.dial(addressOf(a))).rejects.toThrow(expect.objectContaining({
      name: 'DialFailedError',
      message: expect.stringContaining(`cannot connect to ${addressOf(a)}`)
    }))
    await expect(a.dial(addressOf(outsider, false))).rejects.toThrow(expect.objectContaining({ name: 'DialFailedError' }))

    const plain = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()]
    })
    try {
      await expect(plain.dial(a.multiaddrs()[0]!, { signal: AbortSignal.timeout(10_000) })).rejects.toThrow()
      expect(plain.getConnections()).toHaveLength(0)
    } finally {
      await plain.stop()
    }

    for (const node of [a, b, c]) {
      const peers = node.libp2p.getPeers().map(String)
      expect(peers).not.toContain(outsider.peerId.toString())
      expect(peers).not.toContain(plain.peerId.toString())
    }
    expect(await deliver(a, c, 'still here')).toBe('still here')
    await outsider.stop()
  })

  it('with an allowlist, lets in only the peers on it', async () => {
    const guarded = await cluster.start('guarded', { allowPeers: [a.peerId.toString()] })
    await a.dial(addressOf(guarded))
    // The dialler's dial resolves once its side is up; the guarded node's side follows.
    await until(() => guarded.libp2p.getConnections(a.peerId).length > 0, [[guarded.libp2p, 'connection:open']], 'the guarded node to keep a')
    // The dialler finishes its side of the handshake first; the guarded node then hangs up.
    await b.dial(addressOf(guarded)).catch(() => {})
    await until(() => b.libp2p.getConnections(guarded.peerId).length === 0, [[b.libp2p, 'connection:close']], 'the guarded node to hang up on b')
    expect(guarded.libp2p.getConnections(b.peerId)).toHaveLength(0)

    await guarded.setAllowlist([b.peerId.toString()]) // a is dropped, b may come in
    expect(guarded.libp2p.getConnections(a.peerId)).toHaveLength(0)
    await b.dial(addressOf(guarded))
    await until(() => guarded.libp2p.getConnections(b.peerId).length > 0, [[guarded.libp2p, 'connection:open']], 'the guarded node to keep b')
    await guarded.stop()
  })

  it('keeps dialling a bootstrap address until a node answers there, and again after it restarts', async () => {
    const port = await freePort()
    const listen = [`/ip4/127.0.0.1/tcp/${port}`]
    const waiter = await cluster.start('waiter', { bootstrap: listen, dialTimeoutMs: 2000 })
    const connected = async (peer: ArtdagNode): Promise<void> => {
      await until(() => waiter.libp2p.getConnections(peer.peerId).length > 0, [[waiter.libp2p, 'peer:connect']], `waiter to connect to ${peer.peerId}`)
    }
    const first = await cluster.start('late', { listen })
    await connected(first)
    await first.stop()
    const again = await cluster.start('late', { listen })
    await connected(again)
    await waiter.stop()
    await again.stop()
  })
})
