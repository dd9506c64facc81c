import { createHash } from 'node:crypto'

/**
 * Rendezvous (highest-random-weight) hashing: every node ranks the same peers
 * the same way for a key without talking to anyone. The score of a peer for a
 * key is the first 52 bits of SHA-256(key ‖ 0x00 ‖ peerId), an exact integer;
 * ties (vanishingly rare) fall back to the peer id so the order stays total.
 */
export type PeerId = string

const SCORE_HEX_DIGITS = 13 // 52 bits: exact in a double

export function rendezvousScore (key: string, peerId: PeerId): number {
  const digest = createHash('sha256').update(key).update('\u0000').update(peerId).digest('hex')
  return Number.parseInt(digest.slice(0, SCORE_HEX_DIGITS), 16)
}

/** Memoises scores: ranking runs on every tick for every runnable step. */
export class ScoreCache {
  readonly #scores = new Map<string, number>()
  readonly #limit: number

  constructor (limit = 50_000) {
    this.#limit = limit
  }

  score (key: string, peerId: PeerId): number {
    const k = `${key}\u0000${peerId}`
    let s = this.#scores.get(k)
    if (s === undefined) {
      s = rendezvousScore(key, peerId)
      // A crude bound on memory: start again rather than track recency.
      if (this.#scores.size >= this.#limit) this.#scores.clear()
      this.#scores.set(k, s)
    }
    return s
  }
}

/** Negative when `a` ranks before `b` for `key` (higher score first, then higher peer id). */
export function compareRank (scoreA: number, peerA: PeerId, scoreB: number, peerB: PeerId): number {
  if (scoreA !== scoreB) return scoreB - scoreA
  if (peerA === peerB) return 0
  return peerA > peerB ? -1 : 1
}

/** The peers ordered best first for `key`. */
export function rankPeers (key: string, peers: Iterable<PeerId>, scores: ScoreCache = new ScoreCache()): PeerId[] {
  return [...new Set(peers)]
    .map(peer => ({ peer, score: scores.score(key, peer) }))
    .sort((a, b) => compareRank(a.score, a.peer, b.score, b.peer))
    .map(e => e.peer)
}
