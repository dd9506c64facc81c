import { compareRank } from './rendezvous.ts'
import type { PeerId } from './rendezvous.ts'

/**
 * The total order on claims that every node applies the same way, so that
 * concurrent claims are settled identically everywhere without a round of
 * messages: a higher epoch wins (fencing); in the same epoch the higher
 * rendezvous score of the claimant for the cache id wins; then the higher peer id.
 */
export interface RankedClaim {
  holder: PeerId
  epoch: number
  /** rendezvousScore(cacheId, holder) */
  score: number
}

/** Positive when `a` beats `b`, negative when `b` beats `a`, 0 for the same claim. */
export function compareClaims (a: RankedClaim, b: RankedClaim): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch
  return compareRank(b.score, b.holder, a.score, a.holder)
}
