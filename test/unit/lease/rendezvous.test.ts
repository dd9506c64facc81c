import { describe, expect, it } from 'vitest'
import { compareClaims } from '../../../src/lease/claim-order.ts'
import { rankPeers, rendezvousScore, ScoreCache } from '../../../src/lease/rendezvous.ts'
import { Prng } from '../../sim/harness/prng.ts'

const peers = ['12D3KooWaaa', '12D3KooWbbb', '12D3KooWccc']

describe('rendezvous ranking', () => {
  it('ranks the same way on every node, whatever order the peers are listed in', () => {
    const key = 'f'.repeat(64)
    expect(rankPeers(key, peers)).toEqual(rankPeers(key, [...peers].reverse()))
    expect(new ScoreCache().score(key, peers[0] as string)).toBe(rendezvousScore(key, peers[0] as string))
  })

  it('spreads the first rank evenly over the peers', () => {
    const rng = new Prng(7)
    const firsts = new Map<string, number>()
    for (let i = 0; i < 3000; i++) {
      const top = rankPeers(rng.hex(64), peers)[0] as string
      firsts.set(top, (firsts.get(top) ?? 0) + 1)
    }
    for (const p of peers) expect(firsts.get(p)).toBeGreaterThan(850)
  })

  it('moves only the keys of a peer that leaves', () => {
    const rng = new Prng(8)
    for (let i = 0; i < 500; i++) {
      const key = rng.hex(64)
      const before = rankPeers(key, peers)
      const after = rankPeers(key, peers.slice(0, 2))
      expect(after).toEqual(before.filter(p => p !== peers[2]))
    }
  })
})

describe('claim order', () => {
  it('is a total order: higher epoch first, then score, then peer id', () => {
    const a = { holder: 'a', epoch: 2, score: 1 }
    const b = { holder: 'b', epoch: 1, score: 99 }
    expect(compareClaims(a, b)).toBeGreaterThan(0)
    expect(compareClaims(b, a)).toBeLessThan(0)
    const c = { holder: 'c', epoch: 2, score: 5 }
    expect(compareClaims(c, a)).toBeGreaterThan(0)
    const d = { holder: 'd', epoch: 2, score: 5 }
    expect(compareClaims(d, c)).toBeGreaterThan(0)
    expect(compareClaims(d, { ...d })).toBe(0)
  })
})
