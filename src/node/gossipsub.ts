/**
 * The one place that imports a gossipsub implementation. `@libp2p/gossipsub`
 * is upstream's stopgap fork until `@chainsafe/libp2p-gossipsub` supports
 * libp2p 3 (same protocol and API): switching back is this import.
 * Every other module takes the types from here.
 */
import { gossipsub, StrictSign, TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub, GossipsubOpts, Message, PublishResult, SignedMessage, TopicValidatorFn } from '@libp2p/gossipsub'

export { StrictSign, TopicValidatorResult }
export type { GossipSub as PubSub, Message as PubSubMessage, SignedMessage, PublishResult, TopicValidatorFn }

export type PubSubInit = Partial<GossipsubOpts>

/**
 * Gossipsub as artdag runs it: every message signed by its publisher
 * (StrictSign, so `msg.from` can be trusted), and publishing with no
 * subscribed peer is not an error (a lone node heartbeats into the void).
 */
export function createPubSub (init: PubSubInit = {}): ReturnType<typeof gossipsub> {
  return gossipsub({
    globalSignaturePolicy: StrictSign,
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    ...init
  })
}
