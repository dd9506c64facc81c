import { describe, expect, it } from 'vitest'
import { LeaseTable } from '../../../src/lease/lease-table.ts'
import { resolveLeaseOptions } from '../../../src/lease/options.ts'
import { rendezvousScore } from '../../../src/lease/rendezvous.ts'
import { Prng } from '../../sim/harness/prng.ts'

const CACHE = 'a'.repeat(64)
const options = resolveLeaseOptions({ ttlMs: 6000 })
const [A, B, C] = ['peer-a', 'peer-b', 'peer-c'] as const

function table (self = 'observer'): LeaseTable {
  const t = new LeaseTable(self, options)
  t.startListening(0)
  return t
}

/** The peer whose claim wins an epoch for CACHE: the higher rendezvous score. */
function better (x: string, y: string): string {
  return rendezvousScore(CACHE, x) > rendezvousScore(CACHE, y) ? x : y
}

describe('LeaseTable', () => {
  it('gives the lease to the first claim and counts it against the holder', () => {
    const t = table()
    expect(t.observe(CACHE, A, 1, 10)).toEqual({ kind: 'took', displaced: undefined })
    expect(t.holder(CACHE, 20)).toEqual({ holder: A, epoch: 1, since: 10 })
    expect(t.heldCounts(20).get(A)).toBe(1)
  })

  it('settles concurrent claims of one epoch the same way whatever the arrival order', () => {
    const winner = better(A, B)
    const first = table()
    first.observe(CACHE, A, 1, 0)
    first.observe(CACHE, B, 1, 1)
    const second = table()
    second.observe(CACHE, B, 1, 0)
    second.observe(CACHE, A, 1, 1)
    expect(first.holder(CACHE, 2)?.holder).toBe(winner)
    expect(second.holder(CACHE, 2)?.holder).toBe(winner)
  })

  it('reports the claim a better one displaced, and ignores the worse one', () => {
    const winner = better(A, B)
    const loser = winner === A ? B : A
    const t = table()
    t.observe(CACHE, loser, 1, 0)
    expect(t.observe(CACHE, winner, 1, 1)).toEqual({ kind: 'took', displaced: { holder: loser, epoch: 1 } })
    expect(t.observe(CACHE, loser, 1, 2)).toEqual({ kind: 'lost', current: { holder: winner, epoch: 1 } })
  })

  it('lets a higher epoch win over any score (fencing) and ignores stale epochs', () => {
    const t = table()
    t.observe(CACHE, A, 2, 0)
    expect(t.observe(CACHE, B, 3, 1)).toEqual({ kind: 'took', displaced: { holder: A, epoch: 2 } })
    expect(t.observe(CACHE, A, 2, 2)).toEqual({ kind: 'lost', current: { holder: B, epoch: 3 } })
    expect(t.maxEpoch(CACHE)).toBe(3)
  })

  it('lapses a lease after ttl of silence, and a renewal keeps it', () => {
    const t = table()
    t.observe(CACHE, A, 1, 1000)
    expect(t.status(CACHE, 6999)).toMatchObject({ state: 'held', lapsesAt: 7000 })
    expect(t.observe(CACHE, A, 1, 5000)).toEqual({ kind: 'renewed' })
    expect(t.status(CACHE, 10_999).state).toBe('held')
    expect(t.status(CACHE, 11_000)).toMatchObject({ state: 'lapsed', holder: A, epoch: 1 })
    expect(t.heldCounts(11_000).get(A)).toBeUndefined()
  })

  it('lapses a lease renewed past maxHoldMs, and ignores its holder for that step from then on, re-claims included', () => {
    const t = new LeaseTable('observer', resolveLeaseOptions({ ttlMs: 6000, maxHoldMs: 20_000 }))
    t.startListening(0)
    t.observe(CACHE, A, 1, 1000)
    for (let at = 3000; at < 21_000; at += 2000) expect(t.observe(CACHE, A, 1, at)).toEqual({ kind: 'renewed' })
    // Renewed 1 s ago, but held since 1000: the hold bound decides, not the silence.
    expect(t.status(CACHE, 20_999)).toMatchObject({ state: 'held', lapsesAt: 21_000 })
    expect(t.status(CACHE, 21_000)).toMatchObject({ state: 'lapsed', holder: A, epoch: 1, overheld: true })
    expect(t.observe(CACHE, A, 1, 21_500)).toEqual({ kind: 'barred', current: { holder: A, epoch: 1 } })
    expect(t.observe(CACHE, A, 5, 21_600)).toEqual({ kind: 'barred', current: { holder: A, epoch: 1 } })
    expect(t.maxEpoch(CACHE)).toBe(1)
    // Another node takes over; the barred holder's claims above it change nothing.
    expect(t.observe(CACHE, B, 2, 22_000)).toEqual({ kind: 'took', displaced: { holder: A, epoch: 1 } })
    expect(t.observe(CACHE, A, 3, 22_100)).toEqual({ kind: 'barred', current: { holder: B, epoch: 2 } })
    expect(t.holder(CACHE, 22_200)).toEqual({ holder: B, epoch: 2, since: 22_000 })
    expect(t.barred(CACHE, A)).toBe(true)
    expect(t.barred(CACHE, B)).toBe(false)
  })

  it("counts a hold through the holder's own re-claims, and starts it again with a new holder or after a release", () => {
    const t = new LeaseTable('observer', resolveLeaseOptions({ ttlMs: 6000, maxHoldMs: 20_000 }))
    t.startListening(0)
    t.observe(CACHE, A, 1, 0)
    t.observe(CACHE, B, 2, 5000)
    // A claims above the taker at 6000 (B held in between: A's hold starts again), then again
    // above itself (a refutation of nobody): the hold goes on from 6000.
    t.observe(CACHE, A, 3, 6000)
    for (let at = 8000; at < 26_000; at += 2000) t.observe(CACHE, A, at < 10_000 ? 3 : 4, at)
    expect(t.status(CACHE, 25_999)).toMatchObject({ state: 'held', holder: A, epoch: 4 })
    expect(t.status(CACHE, 26_000)).toMatchObject({ state: 'lapsed', overheld: true })
    // A released lease ends the hold: the same holder's later claim (a confirmation run, say) starts afresh.
    const u = new LeaseTable('observer', resolveLeaseOptions({ ttlMs: 6000, maxHoldMs: 20_000 }))
    u.startListening(0)
    u.observe(CACHE, A, 1, 0)
    u.release(CACHE, A, 1, 15_000)
    u.observe(CACHE, A, 2, 16_000)
    for (let at = 18_000; at <= 34_000; at += 2000) u.observe(CACHE, A, 2, at)
    expect(u.status(CACHE, 35_000)).toMatchObject({ state: 'held', holder: A, epoch: 2, lapsesAt: 36_000 })
  })

  it('never bars its own lease, and does not count a hold while it was not listening', () => {
    const own = new LeaseTable(A, resolveLeaseOptions({ ttlMs: 6000, maxHoldMs: 20_000 }))
    own.startListening(0)
    own.observe(CACHE, A, 1, 0)
    expect(own.status(CACHE, 1e9).state).toBe('held')
    const t = new LeaseTable('observer', resolveLeaseOptions({ ttlMs: 6000, maxHoldMs: 20_000 }))
    t.startListening(0)
    t.observe(CACHE, A, 1, 0)
    t.startListening(50_000) // restored or paused: how long A held it meanwhile is unknown
    for (let at = 50_000; at < 70_000; at += 2000) t.observe(CACHE, A, 1, at)
    expect(t.status(CACHE, 69_999).state).toBe('held')
    expect(t.status(CACHE, 70_000)).toMatchObject({ state: 'lapsed', overheld: true })
  })

  it('never lapses its own leases', () => {
    const t = table(A)
    t.observe(CACHE, A, 1, 0)
    expect(t.status(CACHE, 1e9).state).toBe('held')
    expect(t.heldBySelf()).toEqual([{ cacheId: CACHE, epoch: 1 }])
  })

  it('does not judge expiry while it was not listening', () => {
    const t = table()
    t.observe(CACHE, A, 1, 0)
    t.startListening(50_000) // e.g. the process was paused
    expect(t.status(CACHE, 55_999).state).toBe('held')
    expect(t.status(CACHE, 56_000).state).toBe('lapsed')
  })

  it('frees a released lease for good: a late copy of the claim does not bring it back', () => {
    const t = table()
    t.observe(CACHE, A, 1, 0)
    expect(t.release(CACHE, A, 1, 10)).toEqual({ kind: 'released', displaced: undefined })
    expect(t.observe(CACHE, A, 1, 11)).toEqual({ kind: 'released' })
    expect(t.status(CACHE, 12)).toEqual({ state: 'free', maxEpoch: 1, lastHolder: A })
  })

  it('treats a release of an epoch it never saw as news of a newer lease', () => {
    const t = table(A)
    t.observe(CACHE, A, 1, 0)
    expect(t.release(CACHE, B, 2, 5)).toEqual({ kind: 'released', displaced: { holder: A, epoch: 1 } })
    expect(t.heldBySelf()).toEqual([])
    expect(t.maxEpoch(CACHE)).toBe(2)
  })

  it('accepts the current holder at a restored epoch (it must hear renewals after a restart)', () => {
    const t = table()
    t.restoreEpoch(CACHE, 4, 0)
    expect(t.observe(CACHE, B, 4, 1)).toEqual({ kind: 'took', displaced: undefined })
    expect(t.observe(CACHE, C, 3, 2).kind).toBe('lost')
  })

  it('converges: every order of the same messages gives every node the same holder', () => {
    const rng = new Prng(42)
    for (let round = 0; round < 300; round++) {
      const messages: Array<{ kind: 'claim' | 'release', peer: string, epoch: number }> = []
      for (let i = rng.int(1, 8); i > 0; i--) {
        messages.push({ kind: rng.chance(0.75) ? 'claim' : 'release', peer: rng.pick([A, B, C]), epoch: rng.int(1, 3) })
      }
      const outcomes = new Set<string>()
      for (let order = 0; order < 6; order++) {
        const t = table()
        rng.shuffle(messages).forEach((m, i) => (m.kind === 'claim' ? t.observe(CACHE, m.peer, m.epoch, i) : t.release(CACHE, m.peer, m.epoch, i)))
        const s = t.status(CACHE, messages.length)
        outcomes.add(`${s.state}:${s.state === 'held' ? `${s.holder}@${s.epoch}` : s.maxEpoch}`)
      }
      expect([...outcomes], JSON.stringify(messages)).toHaveLength(1)
    }
  })

  it('gives a claim learned by hearsay one ttl, and never lets hearsay renew it', () => {
    const t = table()
    expect(t.observe(CACHE, A, 2, 5000, true)).toEqual({ kind: 'took', displaced: undefined })
    expect(t.status(CACHE, 10_999).state).toBe('held')
    expect(t.observe(CACHE, A, 2, 10_000, true)).toEqual({ kind: 'renewed' })
    expect(t.status(CACHE, 11_000).state).toBe('lapsed')
    expect(t.best(CACHE)).toEqual({ holder: A, epoch: 2, released: false })
    // The holder itself renewing does count.
    t.observe(CACHE, A, 2, 11_500)
    expect(t.status(CACHE, 17_000).state).toBe('held')
  })

  it('forgets idle entries nobody needs, but never its own unreleased lease', () => {
    const t = new LeaseTable(A, options)
    t.startListening(0)
    t.observe(CACHE, A, 1, 0)
    t.observe('b'.repeat(64), B, 1, 0)
    t.prune(() => false, 1_000_000, 600_000)
    expect(t.size).toBe(1)
    expect(t.heldBySelf()).toHaveLength(1)
  })
})
