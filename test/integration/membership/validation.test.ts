import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { counterValue } from '../../../src/membership/metrics.ts'
import { jsonCodec, peerIdString } from '../../../src/protocol/codec.ts'
import { HEARTBEAT_MAX_BYTES, HEARTBEAT_TOPIC, heartbeatCodec } from '../../../src/protocol/messages/heartbeat.ts'
import { createCluster, poll, stateOf, until } from './fixtures.ts'
import type { Cluster, Member } from './fixtures.ts'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { signNodeRecord } from '../../../src/membership/core/record-signature.ts'
import type { SignedHeartbeat } from '../../../src/protocol/messages/heartbeat.ts'

const encoder = new TextEncoder()

const echoCodec = jsonCodec(
  'echo',
  z.object({
    v: z.literal(1),
    type: z.literal('echo'),
    from: peerIdString,
    text: z.string().max(100)
  }),
  1024
)

async function rejected (member: Member, reason: string, topic = HEARTBEAT_TOPIC): Promise<number> {
  return await counterValue(member.service.metrics.messagesRejected, { topic, reason })
}

describe('topic validation', () => {
  let cluster: Cluster
  beforeEach(async () => {
    cluster = await createCluster()
  })
  afterEach(async () => {
    await cluster.cleanup()
  })

  it('rejects and counts forged, malformed, oversize, badly signed and far-future heartbeats, and keeps running', async () => {
    const b = await cluster.start('b', await cluster.newKey())
    const a = await cluster.start('a', await cluster.newKey(), { bootstrap: [b.address] })
    await until(b, 'b to see a alive', () => stateOf(b, a.peerId) === 'alive')
    const impersonated = (await cluster.newKey()).publicKey

    // a publishes, under its own signature, a heartbeat claiming another node's id.
    const genuine = a.service.membership.get(a.peerId)?.heartbeat as SignedHeartbeat
    const forged: SignedHeartbeat = { ...genuine, peerId: impersonated.toString(), seq: genuine.seq + 1_000_000 }
    const pubsub = a.node.pubsub
    await pubsub.publish(HEARTBEAT_TOPIC, heartbeatCodec.encode(forged))
    // Its own id, but a record that is not the one it signed; then one properly signed, two days ahead.
    await pubsub.publish(HEARTBEAT_TOPIC, heartbeatCodec.encode({ ...genuine, seq: genuine.seq + 7, capacity: { ...genuine.capacity, slots: 999 } }))
    const ahead = { ...genuine, seq: Date.now() + 2 * 24 * 3600_000 }
    await pubsub.publish(HEARTBEAT_TOPIC, heartbeatCodec.encode({ ...ahead, signature: await signNodeRecord(ahead, a.node.privateKey) }))
    await pubsub.publish(HEARTBEAT_TOPIC, encoder.encode('{"v":1,"type":"heartbeat","peerId":'))
    await pubsub.publish(HEARTBEAT_TOPIC, encoder.encode(JSON.stringify({ ...genuine, seq: genuine.seq + 5, capacity: 'lots' })))
    await pubsub.publish(HEARTBEAT_TOPIC, new Uint8Array(HEARTBEAT_MAX_BYTES + 1).fill(0x20))

    await poll('b to reject the forged heartbeat', async () => await rejected(b, 'forged') === 1)
    await poll('b to reject both malformed heartbeats', async () => await rejected(b, 'malformed') === 2)
    await poll('b to reject the oversize heartbeat', async () => await rejected(b, 'oversize') === 1)
    await poll('b to reject the badly signed heartbeat', async () => await rejected(b, 'bad_signature') === 1)
    await poll('b to reject the far-future heartbeat', async () => await rejected(b, 'future') === 1)
    expect(b.service.membership.get(a.peerId)?.record.capacity.slots).toBe(2)
    expect(b.service.isMember(impersonated.toString())).toBe(false)
    expect(b.service.membership.members()).toHaveLength(2)

    // Still running, still hearing a.
    const before = await counterValue(b.service.metrics.heartbeatsReceived, { result: 'accepted' })
    await poll('b to accept a later heartbeat of a', async () => await counterValue(b.service.metrics.heartbeatsReceived, { result: 'accepted' }) > before)
    expect(stateOf(b, a.peerId)).toBe('alive')
  })

  it('admits only members on a member-only topic, and refuses forged authors there too', async () => {
    const b = await cluster.start('b', await cluster.newKey())
    const a = await cluster.start('a', await cluster.newKey(), { bootstrap: [b.address] })
    const outsider = await cluster.startBare('outsider', await cluster.newKey(), [b.address])
    await until(b, 'b to see a alive', () => stateOf(b, a.peerId) === 'alive')

    const received: Array<{ text: string, from: string }> = []
    let delivered: () => void = () => {}
    const echo = b.service.memberOnlyTopic({
      topic: 'artdag/v1/test/echo',
      codec: echoCodec,
      authorOf: m => m.from,
      onMessage: (m, from) => {
        received.push({ text: m.text, from })
        delivered()
      }
    })
    await echo.start()
    try {
      const topic = echo.topic
      await poll('a and the outsider to see b subscribed', () => [a.node.pubsub, outsider.pubsub].every(p => p.getSubscribers(topic).some(id => id.toString() === b.peerId)))
      const outsiderId = outsider.peerId.toString()

      // The outsider's first message can go out before its stream to b is open (pubsub is best
      // effort), so it says it again, each time as a new message, until b has refused one.
      await poll('b to refuse the outsider', async () => {
        if (await rejected(b, 'not_member', topic) > 0) return true
        await outsider.pubsub.publish(topic, echoCodec.encode({ v: 1, type: 'echo', from: outsiderId, text: 'let me in' }))
        return false
      })
      expect(b.service.isMember(outsiderId)).toBe(false)

      await a.node.pubsub.publish(topic, echoCodec.encode({ v: 1, type: 'echo', from: b.peerId, text: 'i am b' }))
      await poll('b to refuse the forged author', async () => await rejected(b, 'forged', topic) === 1)

      const arrived = new Promise<void>(resolve => {
        delivered = resolve
      })
      await a.node.pubsub.publish(topic, echoCodec.encode({ v: 1, type: 'echo', from: a.peerId, text: 'hello' }))
      await arrived
      expect(received).toEqual([{ text: 'hello', from: a.peerId }]) // nothing from the outsider, nothing forged
    } finally {
      await echo.stop()
    }
  })

  it('with membership.allowPeers, takes only the listed peers as members, whatever else holds the swarm key', async () => {
    const [ka, kb, kc] = [await cluster.newKey(), await cluster.newKey(), await cluster.newKey()]
    const aId = peerIdFromPrivateKey(ka).toString()
    const b = await cluster.start('b', kb, { allowPeers: [aId] })
    const a = await cluster.start('a', ka, { bootstrap: [b.address] })
    const c = await cluster.start('c', kc, { bootstrap: [b.address] })
    await until(b, 'b to see a alive', () => stateOf(b, a.peerId) === 'alive')
    // c is connected and heartbeating: b ignores it, and counts it.
    await poll('b to ignore a heartbeat of c', async () => await rejected(b, 'not_member') >= 1)
    expect(b.service.isMember(c.peerId)).toBe(false)
    // a, who knows c, lists it in its registry document: b refuses that entry too.
    await poll('b to refuse c from a registry document', async () => await counterValue(b.service.metrics.recordsRefused, { source: 'registry', reason: 'not_allowed' }) >= 1, 15_000)
    expect(b.service.isMember(c.peerId)).toBe(false)
    expect(b.service.membership.members().map(m => m.peerId).sort()).toEqual([a.peerId, b.peerId].sort())
    expect(stateOf(c, b.peerId)).toBe('alive') // c has no list: it takes b as a member
  })
})
