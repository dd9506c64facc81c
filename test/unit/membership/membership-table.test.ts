import { beforeAll, describe, expect, it } from 'vitest'
import { MembershipTable } from '../../../src/membership/core/membership-table.ts'
import { MAX_REGISTRY_MEMBERS } from '../../../src/membership/core/registry-document.ts'
import { recordOf } from '../../../src/protocol/messages/heartbeat.ts'
import { documentOf, entryOf, makeHeartbeat, makePeerIds, signatureOf } from './fixtures.ts'
import type { MembershipEvent } from '../../../src/membership/core/types.ts'

const T0 = 1_700_000_000_000
/** Array.prototype.sort's own order (by string form), spelt out. */
const byText = (a: unknown, b: unknown): number => String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0

const DAY = 24 * 60 * 60 * 1000

function table (self: string, now = T0): MembershipTable {
  // The timings these cases are written for: heartbeats every 2 s, suspect after 6 s, dead after 15 s.
  return new MembershipTable({ self: recordOf(makeHeartbeat(self, 1)), now, timings: { heartbeatIntervalMs: 2000, suspectAfterMs: 6000, deadAfterMs: 15000 } })
}

const kinds = (events: MembershipEvent[]): string[] => events.map(e => `${e.type}:${e.peerId.slice(-4)}`)

describe('membership table', () => {
  let a: string, b: string, c: string, d: string
  beforeAll(async () => {
    ;[a, b, c, d] = await makePeerIds(4) as [string, string, string, string]
  })

  it('lists itself as alive', () => {
    const t = table(a)
    expect(t.members()).toMatchObject([{ peerId: a, state: 'alive', source: 'self' }])
    expect(t.isMember(a)).toBe(true)
    expect(t.isMember(b)).toBe(false)
  })

  it('admits a member on its first heartbeat and reports it alive', () => {
    const t = table(a)
    const { accepted, events } = t.receiveHeartbeat(makeHeartbeat(b, T0), T0)
    expect(accepted).toBe(true)
    expect(events).toEqual([
      { type: 'joined', peerId: b, source: 'heartbeat', at: T0 },
      { type: 'alive', peerId: b, previous: undefined, at: T0 }
    ])
    expect(t.get(b)).toMatchObject({ state: 'alive', source: 'heartbeat', heardAt: T0, lastSeen: T0 })
    expect(t.isMember(b)).toBe(true)
  })

  it('ignores a heartbeat that is not newer than the known record', () => {
    const t = table(a)
    t.receiveHeartbeat(makeHeartbeat(b, T0 + 10), T0)
    expect(t.receiveHeartbeat(makeHeartbeat(b, T0 + 10), T0 + 100)).toEqual({ accepted: false, events: [] })
    expect(t.receiveHeartbeat(makeHeartbeat(b, T0 + 5), T0 + 100).accepted).toBe(false)
    expect(t.get(b)?.heardAt).toBe(T0)
  })

  it('takes only a heartbeat newer than every known record as news of life, so a replayed one is ignored', () => {
    const t = table(a)
    const hb = makeHeartbeat(b, T0 + 10)
    t.mergeRegistry(documentOf(makeHeartbeat(c, T0), [entryOf(hb, T0)], T0), T0)
    // The record the registry holds, replayed from a gossip cache after the member died: not proof of life.
    expect(t.receiveHeartbeat(hb, T0 + 50)).toEqual({ accepted: false, events: [] })
    expect(t.get(b)).toMatchObject({ state: 'suspect', source: 'registry' })
    // A late copy of a heartbeat older than the registry's record is not either.
    expect(t.receiveHeartbeat(makeHeartbeat(b, T0 + 5), T0 + 60).accepted).toBe(false)
    // The member's next heartbeat is.
    expect(t.receiveHeartbeat(makeHeartbeat(b, T0 + 2010), T0 + 2050).events).toEqual([{ type: 'alive', peerId: b, previous: 'suspect', at: T0 + 2050 }])
    expect(t.get(b)).toMatchObject({ heardAt: T0 + 2050, source: 'heartbeat', record: { seq: T0 + 2010 } })
  })

  it('marks a silent member suspect after 6 s and dead after 15 s, and alive again when it speaks', () => {
    const t = table(a)
    t.receiveHeartbeat(makeHeartbeat(b, T0), T0)
    expect(t.tick(T0 + 5999)).toEqual([])
    expect(t.tick(T0 + 6000)).toEqual([{ type: 'suspect', peerId: b, previous: 'alive', at: T0 + 6000 }])
    expect(t.tick(T0 + 10_000)).toEqual([])
    expect(t.tick(T0 + 15_000)).toEqual([{ type: 'dead', peerId: b, previous: 'suspect', at: T0 + 15_000 }])
    const back = t.receiveHeartbeat(makeHeartbeat(b, T0 + 20_000), T0 + 20_000)
    expect(back.events).toEqual([{ type: 'alive', peerId: b, previous: 'dead', at: T0 + 20_000 }])
    expect(t.tick(T0 + 20_001)).toEqual([])
  })

  it('takes members from a registry as suspect, dead unless a heartbeat arrives', () => {
    const t = table(a)
    const doc = documentOf(makeHeartbeat(b, T0 - 100), [
      entryOf(makeHeartbeat(c, T0 - 200), T0 - 200),
      entryOf(makeHeartbeat(d, T0 - 300), T0 - 300)
    ], T0 - 50)
    const { events } = t.mergeRegistry(doc, T0)
    expect(kinds(events)).toEqual(['joined', 'suspect', 'joined', 'suspect', 'joined', 'suspect'].map((k, i) => `${k}:${[b, b, c, c, d, d][i]!.slice(-4)}`))
    expect(events[0]).toMatchObject({ type: 'joined', source: 'registry' })
    expect(t.get(b)).toMatchObject({ state: 'suspect', source: 'registry', heardAt: undefined, lastSeen: T0 - 50 })

    // c speaks; b and d stay silent.
    expect(t.receiveHeartbeat(makeHeartbeat(c, T0 + 1000), T0 + 1000).events).toEqual([
      { type: 'alive', peerId: c, previous: 'suspect', at: T0 + 1000 }
    ])
    expect(t.get(c)?.source).toBe('heartbeat')
    expect(t.tick(T0 + 6999)).toEqual([])
    expect(t.tick(T0 + 7000)).toEqual([{ type: 'suspect', peerId: c, previous: 'alive', at: T0 + 7000 }])
    expect(t.tick(T0 + 14_999)).toEqual([])
    expect(t.tick(T0 + 15_000)).toEqual([
      { type: 'dead', peerId: b, previous: 'suspect', at: T0 + 15_000 },
      { type: 'dead', peerId: d, previous: 'suspect', at: T0 + 15_000 }
    ])
    expect(t.members().map(m => m.peerId).sort()).toEqual([a, b, c, d].sort())
  })

  it('takes a newer record and a later sighting from a registry, but never liveness', () => {
    const t = table(a)
    t.receiveHeartbeat(makeHeartbeat(b, T0, { addrs: ['/ip4/10.0.0.1/tcp/4101'] }), T0)
    t.tick(T0 + 15_000) // dead
    const newer = makeHeartbeat(b, T0 + 20_000, { addrs: ['/ip4/10.0.0.9/tcp/4101'] })
    const doc = documentOf(makeHeartbeat(c, T0), [entryOf(newer, T0 + 20_000)], T0 + 20_000)
    const { events } = t.mergeRegistry(doc, T0 + 21_000)
    expect(events.map(e => e.peerId)).toEqual([c, c])
    expect(t.get(b)).toMatchObject({ state: 'dead', lastSeen: T0 + 20_000, record: { addrs: ['/ip4/10.0.0.9/tcp/4101'] } })
    // An older record does not replace the newer one.
    const older = documentOf(makeHeartbeat(c, T0), [entryOf(makeHeartbeat(b, T0 + 1), T0 + 1)], T0 + 1)
    t.mergeRegistry(older, T0 + 22_000)
    expect(t.get(b)).toMatchObject({ lastSeen: T0 + 20_000, record: { seq: T0 + 20_000 } })
  })

  it('forgets a dead member unseen for forgetAfter, and does not take it back from a stale registry', () => {
    const t = table(a)
    t.receiveHeartbeat(makeHeartbeat(b, T0), T0)
    t.tick(T0 + 15_000)
    expect(t.tick(T0 + 7 * DAY - 1)).toEqual([])
    expect(t.tick(T0 + 7 * DAY)).toEqual([{ type: 'forgotten', peerId: b, at: T0 + 7 * DAY }])
    expect(t.isMember(b)).toBe(false)
    const stale = documentOf(makeHeartbeat(c, T0 + 7 * DAY), [entryOf(makeHeartbeat(b, T0), T0)], T0 + 7 * DAY)
    t.mergeRegistry(stale, T0 + 7 * DAY + 1)
    expect(t.isMember(b)).toBe(false)
    expect(t.isMember(c)).toBe(true)
  })

  it('does not let a registry clock ahead of ours postpone forgetting', () => {
    const t = table(a)
    const doc = documentOf(makeHeartbeat(b, T0), [], T0 + 365 * DAY)
    t.mergeRegistry(doc, T0)
    expect(t.get(b)?.lastSeen).toBe(T0)
  })

  it('numbers its own heartbeats above its own record found in a registry', () => {
    const t = table(a)
    const doc = documentOf(makeHeartbeat(b, T0), [entryOf(makeHeartbeat(a, T0 + 60_000), T0)], T0)
    t.mergeRegistry(doc, T0)
    expect(t.nextSeq(T0)).toBe(T0 + 60_001)
    expect(t.has(a) && t.members().filter(m => m.peerId === a).length === 1).toBe(true)
  })

  it('publishes every other member, dead ones included, and never itself twice', () => {
    const t = table(a)
    t.receiveHeartbeat(makeHeartbeat(b, T0), T0)
    t.receiveHeartbeat(makeHeartbeat(c, T0), T0)
    t.tick(T0 + 15_000)
    t.updateSelf(makeHeartbeat(a, T0 + 15_000), T0 + 15_000)
    const doc = t.toRegistryDocument(T0 + 15_000)!
    expect(doc.self).toMatchObject({ peerId: a, seq: T0 + 15_000 })
    expect(doc.members.map(m => m.record.peerId).sort()).toEqual([b, c].sort())
  })

  it('caps a document at the most recently seen members', async () => {
    const many = await makePeerIds(MAX_REGISTRY_MEMBERS + 2)
    const entries = many.map((id, i) => entryOf(makeHeartbeat(id, i + 1), T0 + i))
    const doc = documentOf(makeHeartbeat(a, 1), entries, T0)
    expect(doc.members).toHaveLength(MAX_REGISTRY_MEMBERS)
    expect(doc.members.map(m => m.record.peerId)).not.toContain(many[0])
    expect(doc.members.map(m => m.record.peerId)).not.toContain(many[1])
  })

  it('converges: nodes exchanging documents in any order end with the same members and records', () => {
    // Each node heard from some members directly; then documents spread pairwise in two orders.
    const run = (order: Array<[number, number]>): string[] => {
      const ids = [a, b, c, d]
      const tables = ids.map(id => table(id))
      const hb = ids.map((id, i) => makeHeartbeat(id, T0 + i + 1))
      tables.forEach((t, i) => t.updateSelf(hb[i]!, T0))
      tables[0]!.receiveHeartbeat(hb[1]!, T0)
      tables[1]!.receiveHeartbeat(hb[2]!, T0)
      tables[2]!.receiveHeartbeat(hb[3]!, T0)
      const later = makeHeartbeat(b, T0 + 11)
      tables[1]!.updateSelf(later, T0 + 1)
      tables[3]!.receiveHeartbeat(later, T0 + 1)
      for (let round = 0; round < 3; round++) {
        for (const [from, to] of order) tables[to]!.mergeRegistry(tables[from]!.toRegistryDocument(T0 + 2)!, T0 + 2)
      }
      return tables.map(t => JSON.stringify(t.members().map(m => [m.peerId, m.record.seq]).sort(byText)))
    }
    const ring: Array<[number, number]> = [[0, 1], [1, 2], [2, 3], [3, 0]]
    const views = run(ring)
    expect(new Set(views).size).toBe(1)
    expect(run([...ring].reverse())).toEqual(views)
    expect(JSON.parse(views[0]!)).toContainEqual([b, T0 + 11])
  })

  describe('records are authoritative only from their own node', () => {
    it("refuses another node's record signed by someone else: the victim's seq is not raised and its heartbeats still count", () => {
      const t = table(a)
      t.receiveHeartbeat(makeHeartbeat(b, T0), T0)
      // c lists b with the highest sequence there is, under c's own signature.
      const poisoned = makeHeartbeat(b, Number.MAX_SAFE_INTEGER, { sentAt: T0 })
      const forged = { ...entryOf(poisoned, T0), signature: signatureOf(recordOf(poisoned), c) }
      const { events, refused } = t.mergeRegistry(documentOf(makeHeartbeat(c, T0), [forged], T0), T0 + 10)
      expect(refused).toEqual([{ peerId: b, reason: 'future' }])
      expect(events.map(e => e.peerId)).toEqual([c, c])
      expect(t.get(b)?.record.seq).toBe(T0)
      expect(t.receiveHeartbeat(makeHeartbeat(b, T0 + 3000), T0 + 3000).accepted).toBe(true)
    })

    it("refuses a record with a signature that is not its own node's, or whose fields were changed after signing", () => {
      const t = table(a)
      const wrongKey = { ...entryOf(makeHeartbeat(b, T0 + 5), T0), signature: signatureOf(recordOf(makeHeartbeat(b, T0 + 5)), c) }
      const signed = makeHeartbeat(d, T0 + 5)
      const tampered = { ...entryOf(signed, T0), record: { ...recordOf(signed), addrs: ['/ip4/6.6.6.6/tcp/4101'] } }
      const { refused } = t.mergeRegistry(documentOf(makeHeartbeat(c, T0), [wrongKey, tampered], T0), T0 + 10)
      expect(refused).toHaveLength(2)
      expect(refused).toEqual(expect.arrayContaining([{ peerId: b, reason: 'bad_signature' }, { peerId: d, reason: 'bad_signature' }]))
      expect(t.isMember(b)).toBe(false)
      expect(t.isMember(d)).toBe(false)
      expect(t.isMember(c)).toBe(true)
    })

    it('refuses a signed record more than a day ahead of our clock, and our own never pushes our sequence', () => {
      const t = table(a)
      const farB = makeHeartbeat(b, T0 + DAY + 1, { sentAt: T0 })
      const farSelf = makeHeartbeat(a, Number.MAX_SAFE_INTEGER, { sentAt: T0 })
      const { refused } = t.mergeRegistry(documentOf(makeHeartbeat(c, T0), [entryOf(farB, T0), entryOf(farSelf, T0)], T0), T0)
      expect(refused).toHaveLength(2)
      expect(refused).toEqual(expect.arrayContaining([{ peerId: b, reason: 'future' }, { peerId: a, reason: 'future' }]))
      expect(t.nextSeq(T0)).toBe(T0)
      // A heartbeat a day ahead is refused too, and sentAt counts as well as seq.
      expect(t.receiveHeartbeat(makeHeartbeat(b, T0 + DAY + 1), T0)).toEqual({ accepted: false, events: [], refused: 'future' })
      expect(t.receiveHeartbeat(makeHeartbeat(b, T0, { sentAt: T0 + DAY + 1 }), T0).refused).toBe('future')
      // Within a day it is a clock running ahead, not an attack: taken.
      expect(t.receiveHeartbeat(makeHeartbeat(b, T0 + DAY - 1), T0).accepted).toBe(true)
    })

    it('takes our own record only with our own signature', () => {
      const t = table(a)
      const ours = makeHeartbeat(a, T0 + 60_000)
      const notOurs = { ...entryOf(makeHeartbeat(a, T0 + 120_000), T0), signature: signatureOf(recordOf(makeHeartbeat(a, T0 + 120_000)), b) }
      const { refused } = t.mergeRegistry(documentOf(makeHeartbeat(b, T0), [notOurs], T0), T0)
      expect(refused).toEqual([{ peerId: a, reason: 'bad_signature' }])
      t.mergeRegistry(documentOf(makeHeartbeat(c, T0), [entryOf(ours, T0)], T0), T0)
      expect(t.nextSeq(T0)).toBe(T0 + 60_001)
    })

    it("publishes each record with its own node's signature, so a receiver can check it", () => {
      const t = table(a)
      t.receiveHeartbeat(makeHeartbeat(b, T0), T0)
      expect(t.toRegistryDocument(T0)).toBeUndefined() // our own record is not signed before our first heartbeat
      t.updateSelf(makeHeartbeat(a, T0 + 1), T0 + 1)
      const doc = t.toRegistryDocument(T0 + 1)!
      const other = table(c)
      expect(other.mergeRegistry(doc, T0 + 2).refused).toEqual([])
      expect(other.get(b)?.record.seq).toBe(T0)
      expect(other.get(a)?.record.seq).toBe(T0 + 1)
    })

    it('with allowPeers, admits only the peers listed', () => {
      const t = new MembershipTable({ self: recordOf(makeHeartbeat(a, 1)), now: T0, allowPeers: [b] })
      expect(t.receiveHeartbeat(makeHeartbeat(c, T0), T0)).toEqual({ accepted: false, events: [], refused: 'not_allowed' })
      expect(t.receiveHeartbeat(makeHeartbeat(b, T0), T0).accepted).toBe(true)
      const { refused } = t.mergeRegistry(documentOf(makeHeartbeat(b, T0 + 1), [entryOf(makeHeartbeat(d, T0), T0)], T0), T0)
      expect(refused).toEqual([{ peerId: d, reason: 'not_allowed' }])
      expect(t.members().map(m => m.peerId).sort()).toEqual([a, b].sort())
    })
  })
})
