import type { TopicValidatorResult as GossipsubResult } from '@libp2p/gossipsub'

/**
 * gossipsub's TopicValidatorResult values, without loading gossipsub: this
 * folder's index must stay light (the CLI imports it for the home), and
 * membership takes the values from there. test/unit/node/topic-validator-result.test.ts
 * checks they are gossipsub's own.
 */
export const TopicValidatorResult = {
  Accept: 'accept' as GossipsubResult.Accept,
  Ignore: 'ignore' as GossipsubResult.Ignore,
  Reject: 'reject' as GossipsubResult.Reject
} as const

export type TopicValidatorResult = GossipsubResult
