import { TopicValidatorResult as Gossipsub } from '@libp2p/gossipsub'
import { describe, expect, it } from 'vitest'
import { TopicValidatorResult } from '../../../src/node/index.ts'

describe("the node's TopicValidatorResult", () => {
  it("is gossipsub's own, value for value (membership's validators answer with it)", () => {
    expect(TopicValidatorResult).toEqual({ Accept: Gossipsub.Accept, Ignore: Gossipsub.Ignore, Reject: Gossipsub.Reject })
    expect(Object.keys(TopicValidatorResult).toSorted()).toEqual(Object.keys(Gossipsub).filter(key => Number.isNaN(Number(key))).toSorted())
  })
})
