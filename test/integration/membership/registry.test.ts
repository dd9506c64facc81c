import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { counterValue } from '../../../src/membership/metrics.ts'
import { createCluster, stateOf, until } from './fixtures.ts'
import type { Cluster, Member } from './fixtures.ts'
import type { PublishedDocument } from '../../../src/membership/registry.ts'

/** Resolves once `member` has published a registry document listing all of `peerIds`. */
async function registryLists (member: Member, peerIds: string[], timeoutMs = 15_000): Promise<PublishedDocument> {
  const lists = (p: PublishedDocument | undefined): boolean => p !== undefined && peerIds.every(id => p.doc.members.some(m => m.record.peerId === id))
  const current = member.service.registry.current
  if (lists(current)) return current!
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out waiting for ${member.peerId}'s registry to list ${peerIds.join(', ')}`))
    }, timeoutMs)
    const off = member.service.registry.onPublished(published => {
      if (!lists(published)) return
      clearTimeout(timer)
      off()
      resolve(published)
    })
  })
}

describe('IPNS registry', () => {
  let cluster: Cluster
  beforeEach(async () => {
    cluster = await createCluster()
  })
  afterEach(async () => {
    await cluster.cleanup()
  })

  it('a node restarted alone on its home lists the other members from its IPNS record', async () => {
    const [ka, kb, kc] = [await cluster.newKey(), await cluster.newKey(), await cluster.newKey()]
    const b = await cluster.start('b', kb)
    const a = await cluster.start('a', ka, { bootstrap: [b.address] })
    const c = await cluster.start('c', kc, { bootstrap: [b.address] })
    const published = await registryLists(a, [b.peerId, c.peerId])
    const { peerId: aId } = a
    const lastSeq = published.doc.self.seq
    await Promise.all([a.stop(), b.stop(), c.stop()])

    // Alone: no bootstrap, no peers. Its own IPNS record and document are in its home.
    const again = await cluster.start('a', ka)
    expect(again.peerId).toBe(aId)
    expect(again.node.libp2p.getPeers()).toEqual([])
    const others = again.service.membership.members().filter(m => m.source !== 'self')
    expect(others.map(m => m.peerId).sort()).toEqual([b.peerId, c.peerId].sort())
    for (const m of others) {
      expect(m).toMatchObject({ source: 'registry', state: 'suspect', heardAt: undefined })
      expect(m.record.addrs.length).toBeGreaterThan(0)
    }
    expect(await counterValue(again.service.metrics.registryPulls, { source: 'self', result: 'ok' })).toBe(1)
    // Its first heartbeat (sent during start) continues above the sequence it used before the restart.
    expect(again.service.membership.get(aId)?.record.seq).toBeGreaterThan(lastSeq)
    // Nobody answers: the old members go dead after the dead timeout.
    await until(again, 'b and c dead', () => stateOf(again, b.peerId) === 'dead' && stateOf(again, c.peerId) === 'dead')
  })

  it('a node joining from one bootstrap address learns every member from IPNS before their heartbeats', async () => {
    // a, b and c heartbeat once a minute, not when a peer subscribes, and dial nobody
    // themselves: within this test d can hear of a and c only from b's registry document.
    const slow = {
      timings: { heartbeatIntervalMs: 60_000, suspectAfterMs: 180_000, deadAfterMs: 300_000, forgetAfterMs: 3_600_000 },
      announceOnSubscribe: false,
      reconnect: false as const
    }
    const b = await cluster.start('b', await cluster.newKey(), slow)
    const a = await cluster.start('a', await cluster.newKey(), { ...slow, bootstrap: [b.address] })
    const c = await cluster.start('c', await cluster.newKey(), { ...slow, bootstrap: [b.address] })
    await registryLists(b, [a.peerId, c.peerId])

    const d = await cluster.start('d', await cluster.newKey(), { bootstrap: [b.address] })
    await until(d, 'd to know a, b and c', () => [a, b, c].every(m => d.service.isMember(m.peerId)))
    for (const m of [a, c]) {
      expect(d.service.membership.get(m.peerId)).toMatchObject({ source: 'registry', state: 'suspect', heardAt: undefined, heartbeat: undefined })
      // With the addresses d needs to dial them.
      expect(d.service.membership.get(m.peerId)?.record.addrs).toEqual(m.service.membership.get(m.peerId)?.record.addrs)
    }
    expect(await counterValue(d.service.metrics.registryPulls, { source: 'peer', result: 'ok' })).toBeGreaterThanOrEqual(1)
  })
})
