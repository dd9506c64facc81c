import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { counterValue } from '../../../src/membership/metrics.ts'
import { peerScore, PEER_SCORE_THRESHOLDS } from '../../../src/node/gossipsub.ts'
import { HEARTBEAT_TOPIC } from '../../../src/protocol/messages/heartbeat.ts'
import { createCluster, poll, stateOf, until } from './fixtures.ts'
import type { Cluster } from './fixtures.ts'

/**
 * Gossipsub peer scores as artdag sets them (src/node/gossipsub.ts): a
 * message our topic validator rejects lowers the score of the peer that sent
 * it, read through the pubsub service, while honest members stay positive.
 */
describe('gossipsub scores', () => {
  let cluster: Cluster
  beforeEach(async () => {
    cluster = await createCluster()
  })
  afterEach(async () => {
    await cluster.cleanup()
  })

  it('a peer sending invalid messages ends with a negative score; honest members stay positive', async () => {
    const b = await cluster.start('b', await cluster.newKey())
    const a = await cluster.start('a', await cluster.newKey(), { bootstrap: [b.address] })
    const hostile = await cluster.startBare('hostile', await cluster.newKey(), [b.address])
    await until(b, 'b to see a alive', () => stateOf(b, a.peerId) === 'alive')
    const hostileId = hostile.peerId.toString()
    hostile.pubsub.subscribe(HEARTBEAT_TOPIC)
    await poll('the hostile peer to see b subscribed', () => hostile.pubsub.getSubscribers(HEARTBEAT_TOPIC).some(p => p.toString() === b.peerId))

    const malformed = async (): Promise<number> => await counterValue(b.service.metrics.messagesRejected, { topic: HEARTBEAT_TOPIC, reason: 'malformed' })
    // Three different invalid messages (each a new message id), sent until b has rejected three.
    let n = 0
    await poll('b to reject three invalid heartbeats', async () => {
      if (await malformed() >= 3) return true
      await hostile.pubsub.publish(HEARTBEAT_TOPIC, new TextEncoder().encode(`{"v":1,"type":"heartbeat","garbage":${n++}}`))
      return false
    })
    await poll("the hostile peer's score on b to turn negative", () => peerScore(b.node.pubsub, hostileId) < 0)
    expect(peerScore(b.node.pubsub, hostileId)).toBeLessThan(PEER_SCORE_THRESHOLDS.graylistThreshold) // graylisted: its messages are dropped unread

    await poll("a's score on b to be positive", () => peerScore(b.node.pubsub, a.peerId) > 0)
    await poll("b's score on a to be positive", () => peerScore(a.node.pubsub, b.peerId) > 0)
    // And the honest pair keeps talking.
    const before = await counterValue(b.service.metrics.heartbeatsReceived, { result: 'accepted' })
    await poll('b to accept another heartbeat of a', async () => await counterValue(b.service.metrics.heartbeatsReceived, { result: 'accepted' }) > before)
    expect(peerScore(b.node.pubsub, a.peerId)).toBeGreaterThan(0)
  })
})
