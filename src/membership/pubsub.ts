/**
 * What membership needs of gossipsub, with the types from src/node/gossipsub.ts
 * (the one place that imports the gossipsub implementation).
 */
import { TopicValidatorResult } from '../node/index.ts'
import type { PubSub as GossipSub, PubSubMessage } from '../node/index.ts'
import type { PeerId } from '@libp2p/interface'

export { TopicValidatorResult }
export type { PubSubMessage }

/** The detail of gossipsub's `subscription-change` event. */
export interface SubscriptionChangeData {
  peerId: PeerId
  subscriptions: Array<{ topic: string, subscribe: boolean }>
}

/** The part of gossipsub a topic needs: validators, subscriptions, messages, publishing. */
export type PubSub = Pick<GossipSub, 'topicValidators' | 'subscribe' | 'unsubscribe' | 'publish' | 'getSubscribers' | 'addEventListener' | 'removeEventListener'>

/** Gossipsub throws this (as the message of a plain Error) when nobody is subscribed and zero-peer publishing is off. */
export function isNoPeersError (err: unknown): boolean {
  return err instanceof Error && err.message.includes('NoPeersSubscribedToTopic')
}
