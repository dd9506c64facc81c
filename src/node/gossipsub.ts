/**
 * The one place that imports a gossipsub implementation. `@libp2p/gossipsub`
 * is upstream's stopgap fork until `@chainsafe/libp2p-gossipsub` supports
 * libp2p 3 (same protocol and API): switching back is this import.
 * Every other module takes the types from here.
 */
import { createHash } from 'node:crypto'
import { gossipsub, StrictSign, TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub, GossipsubOpts, Message, PublishResult, SignedMessage, TopicValidatorFn } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from '@libp2p/gossipsub/score'
import type { RPC } from '@libp2p/gossipsub/message'
import { TOPIC_DEFAULTS } from '../protocol/index.ts'

export { StrictSign, TopicValidatorResult }
type RPCMessage = RPC.Message
export type { GossipSub as PubSub, Message as PubSubMessage, SignedMessage, PublishResult, TopicValidatorFn }

export interface PubSubInit extends Partial<GossipsubOpts> {
  /**
   * The topics whose messages count in peer scores (invalid ones lower the sender's score).
   *
   * @default the artdag topics' default names (TOPIC_DEFAULTS); the daemon passes `topics.*`
   */
  scoredTopics?: string[] | undefined
}

/**
 * Score parameters of one artdag topic. Rewards are small and bounded
 * (`topicScoreCap`); the one penalty is for invalid messages, those our topic
 * validators Reject (malformed, forged, a record signature that does not
 * verify) and those gossipsub itself refuses (a bad message signature).
 * Mesh delivery rates are not scored: artdag topics are quiet for hours and
 * then busy, so a peer that delivers little is not misbehaving.
 */
export const TOPIC_SCORE_PARAMS: TopicScoreParams = createTopicScoreParams({
  topicWeight: 1,
  // P1: up to 6 for a minute in the mesh.
  timeInMeshWeight: 0.1,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 60,
  // P2: up to 10 for messages it was first to deliver (a heartbeat every few seconds keeps it up).
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 10,
  // P3, P3b: off (see above).
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  // P4: squared, so one invalid message costs 20, two 80 (graylisted), three 180. The counter
  // halves in ten minutes: a peer that stopped sending garbage comes back by itself.
  invalidMessageDeliveriesWeight: -20,
  invalidMessageDeliveriesDecay: 0.5 ** (1 / 600)
})

/**
 * Peer scoring for a private cluster. Everything that connects holds the
 * swarm key, so the open-network defence against many identities on one IP
 * (P6, `IPColocationFactor`) only hurts: daemons behind one NAT, several on
 * one host, and every short-lived identity of `scripts/submit-bare.ts` share
 * an IP, and gossipsub remembers a departed peer (and its IP) for
 * `retainScore` (an hour). With the default weight (-5 above 10 peers per IP)
 * twelve short-lived peers on loopback scored every daemon below the graylist
 * threshold and partitioned the cluster. A threshold above the cluster's size
 * would not do either: departed identities keep counting for an hour, so
 * churn alone crosses any threshold. The weight is 0: no colocation penalty.
 */
export function peerScoreParams (topics: readonly string[]): Partial<PeerScoreParams> {
  return {
    topics: Object.fromEntries([...new Set(topics)].map(topic => [topic, TOPIC_SCORE_PARAMS])),
    topicScoreCap: 10,
    IPColocationFactorWeight: 0,
    appSpecificScore: () => 0,
    appSpecificWeight: 0
  }
}

/**
 * Below `gossipThreshold` a peer gets no gossip from us, below
 * `publishThreshold` none of our own messages, below `graylistThreshold` its
 * messages are dropped unread. An honest peer sits between 0 and the cap
 * (10); one invalid message puts it at about -20 + what it earned, two below
 * the graylist. `acceptPXThreshold` is out of reach: artdag does no peer
 * exchange. Opportunistic grafting kicks in when the mesh's median falls below 5.
 */
export const PEER_SCORE_THRESHOLDS: PeerScoreThresholds = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 1000,
  opportunisticGraftThreshold: 5
}

/**
 * A received message's local id for gossipsub's first duplicate check, taken
 * before it checks the signature: a digest of every field as received. A copy
 * equal to a message already accepted, byte for byte, is dropped as the
 * duplicate it is without checking its signature again (gossipsub caches an id
 * only once the signature verified); a copy that differs in any byte, a forged
 * signature included, is checked in full as before. In a full mesh each
 * message arrives at each node twice (from its author, and forwarded by each
 * other node): this saves an Ed25519 verification per forwarded copy.
 */
export function fastMessageId (msg: RPCMessage): string {
  const hash = createHash('sha256')
  for (const field of [msg.from, msg.seqno, msg.data, msg.signature, msg.key]) {
    hash.update(fieldHeader(field)).update(field ?? EMPTY)
  }
  return hash.update(msg.topic).digest('base64')
}

const EMPTY = new Uint8Array(0)

/** Present or not, and its length: no two different messages hash the same bytes. */
function fieldHeader (field: Uint8Array | undefined): Uint8Array {
  const out = new Uint8Array(5)
  if (field === undefined) return out
  out[0] = 1
  new DataView(out.buffer).setUint32(1, field.byteLength)
  return out
}

/**
 * Messages from this size up announce themselves with IDONTWANT. Gossipsub's
 * default (512 bytes) covers a heartbeat, and in a cluster's full mesh the
 * IDONTWANT rarely arrives before the copy it is meant to stop (the other node
 * forwards as soon as it has validated, under a millisecond on a LAN): every
 * heartbeat then cost each node the copy and the IDONTWANT, three RPCs for one
 * message. It pays only for messages that take longer to send than an
 * IDONTWANT takes to arrive; artdag's are a few KiB at most.
 */
export const IDONTWANT_MIN_BYTES = 16 * 1024

/**
 * Gossipsub as artdag runs it: every message signed by its publisher
 * (StrictSign, so `msg.from` can be trusted), publishing with no subscribed
 * peer is not an error (a lone node heartbeats into the void), peer scores set
 * for a private cluster (above), duplicates dropped before their signature is
 * checked again, IDONTWANT only for large messages.
 */
export function createPubSub (init: PubSubInit = {}): ReturnType<typeof gossipsub> {
  const { scoredTopics, ...options } = init
  return gossipsub({
    globalSignaturePolicy: StrictSign,
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    scoreParams: peerScoreParams(scoredTopics ?? Object.values(TOPIC_DEFAULTS)),
    scoreThresholds: PEER_SCORE_THRESHOLDS,
    fastMsgIdFn: fastMessageId,
    idontwantMinDataSize: IDONTWANT_MIN_BYTES,
    ...options
  })
}

/**
 * A peer's score as this node's gossipsub computes it (cached for one gossipsub heartbeat). The
 * implementation has it; the interface it is typed by does not declare it.
 */
export function peerScore (pubsub: GossipSub, peerId: string): number {
  const scored = pubsub as GossipSub & { getScore?: (peerId: string) => number }
  if (typeof scored.getScore !== 'function') throw new TypeError('this gossipsub implementation does not report peer scores (getScore)')
  return scored.getScore(peerId)
}
