import { rm } from 'node:fs/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createDiscoveryMetrics } from '../../../src/discovery/metrics.ts'
import { TailscaleDiscovery } from '../../../src/discovery/tailscale.ts'
import { counterValue } from '../../../src/membership/metrics.ts'
import { statusDocument, tailscalePrinting } from '../../unit/discovery/tailscale-fixtures.ts'
import { createCluster, stateOf, testLogger, until } from './fixtures.ts'
import type { Cluster } from './fixtures.ts'

describe('tailscale discovery between real nodes', () => {
  let cluster: Cluster
  let standInDir: string | undefined
  beforeEach(async () => {
    cluster = await createCluster()
  })
  afterEach(async () => {
    await cluster.cleanup()
    if (standInDir !== undefined) await rm(standInDir, { recursive: true, force: true })
  })

  it('dials the online tailnet machines on the artdag port and they become members', async () => {
    // Two "machines" on one host: loopback addresses stand in for tailnet IPs, one port for artdag.
    const b = await cluster.start('b', await cluster.newKey(), { listen: ['/ip4/127.0.0.2/tcp/0'] })
    const port = Number(b.address.split('/')[4])
    const a = await cluster.start('a', await cluster.newKey(), { listen: [`/ip4/127.0.0.1/tcp/${port}`] })

    const stand = await tailscalePrinting(statusDocument({
      selfIps: ['127.0.0.1'],
      peers: [
        { host: 'machine-b', ips: ['127.0.0.2', 'fd7a:115c:a1e0::2'], online: true },
        { host: 'switched-off', ips: ['127.0.0.3'], online: false },
        { host: 'not-artdag', ips: ['127.0.0.4'], online: true }
      ]
    }))
    standInDir = stand.dir
    const metrics = createDiscoveryMetrics()
    const discovery = new TailscaleDiscovery({ libp2p: a.node.libp2p, metrics, logger: testLogger(), env: stand.env }, { port, intervalMs: 60_000, dialTimeoutMs: 3000 })
    await discovery.start()
    try {
      const first = await discovery.runOnce()
      expect(first.result).toBe('ok')
      expect(first.dialled.sort()).toEqual([`/ip4/127.0.0.2/tcp/${port}`, `/ip4/127.0.0.4/tcp/${port}`])
      expect(first.connected).toEqual([b.peerId])
      expect(await counterValue(metrics.dials, { source: 'tailscale', result: 'error' })).toBe(1)

      await until(a, 'a to see b alive', () => stateOf(a, b.peerId) === 'alive')
      await until(b, 'b to see a alive', () => stateOf(b, a.peerId) === 'alive')

      // Next round: b is connected already and is not dialled again.
      const second = await discovery.runOnce()
      expect(second.skipped).toEqual([`/ip4/127.0.0.2/tcp/${port}`])
      expect(second.dialled).toEqual([`/ip4/127.0.0.4/tcp/${port}`])
    } finally {
      await discovery.stop()
    }
  })
})
