import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCluster, recordEvents, stateOf, until, untilConnected } from './fixtures.ts'
import type { Cluster, Member } from './fixtures.ts'

/** Array.prototype.sort's own order (by string form), spelt out. */
const byText = (a: unknown, b: unknown): number => String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0

describe('membership over real nodes', () => {
  let cluster: Cluster
  beforeEach(async () => {
    cluster = await createCluster()
  })
  afterEach(async () => {
    await cluster.cleanup()
  })

  async function allSeeEachOtherAlive (members: Member[]): Promise<void> {
    for (const viewer of members) {
      for (const other of members) {
        if (viewer === other) continue
        await until(viewer, `${viewer.peerId} to see ${other.peerId} alive`, () => stateOf(viewer, other.peerId) === 'alive')
      }
    }
  }

  it('three nodes started from one bootstrap address all see each other alive', async () => {
    const b = await cluster.start('b', await cluster.newKey())
    const a = await cluster.start('a', await cluster.newKey(), { bootstrap: [b.address] })
    const c = await cluster.start('c', await cluster.newKey(), { bootstrap: [b.address] })
    await allSeeEachOtherAlive([a, b, c])

    for (const viewer of [a, b, c]) {
      const members = viewer.service.membership.members()
      expect(members.map(m => m.peerId).sort()).toEqual([a.peerId, b.peerId, c.peerId].sort())
      expect(members[0]).toMatchObject({ peerId: viewer.peerId, source: 'self', state: 'alive' })
      // What the heartbeats carried about the others.
      const other = members.find(m => m.source === 'heartbeat')
      expect(other?.heartbeat).toMatchObject({ version: '0.1.0', capacity: { slots: 2 }, capabilities: { encoders: ['libx264'] } })
      expect(other?.record.addrs.length).toBeGreaterThan(0)
    }
    // The scheduler's view of the cluster.
    expect(a.service.membership.view().members.map(m => [m.peerId, m.state, m.slots, m.capabilities]).sort(byText))
      .toEqual([a, b, c].map(m => [m.peerId, 'alive', 2, ['libx264']]).sort(byText))
    // The job coordinator hears each accepted heartbeat, with its leases and jobs.
    const fromC = await new Promise<unknown>(resolve => {
      const off = a.service.heartbeats.onHeartbeat(hb => {
        if (hb.peerId === c.peerId) {
          off()
          resolve(hb)
        }
      })
    })
    expect(fromC).toMatchObject({ peerId: c.peerId, leases: [], jobs: [] })
    // a and c only knew b's address; the reconnector connected them directly.
    await untilConnected(a, c.peerId)
  })

  it('a stopped node is seen suspect, then dead', async () => {
    const b = await cluster.start('b', await cluster.newKey())
    const a = await cluster.start('a', await cluster.newKey(), { bootstrap: [b.address] })
    const c = await cluster.start('c', await cluster.newKey(), { bootstrap: [b.address] })
    await allSeeEachOtherAlive([a, b, c])

    const seenByA = recordEvents(a, c.peerId)
    const seenByB = recordEvents(b, c.peerId)
    await c.stop()
    await until(a, 'a to see c dead', () => stateOf(a, c.peerId) === 'dead')
    await until(b, 'b to see c dead', () => stateOf(b, c.peerId) === 'dead')
    expect(seenByA.map(e => e.type)).toEqual(['suspect', 'dead'])
    expect(seenByB.map(e => e.type)).toEqual(['suspect', 'dead'])
    // The survivors still see each other alive, and c stays a member (in the registry) until forgotten.
    expect(stateOf(a, b.peerId)).toBe('alive')
    expect(a.service.isMember(c.peerId)).toBe(true)
  })
})
