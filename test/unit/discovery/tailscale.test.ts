import { rm } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { createDiscoveryMetrics } from '../../../src/discovery/metrics.ts'
import { TailscaleDiscovery, runTailscaleStatus } from '../../../src/discovery/tailscale.ts'
import type { TailscaleDiscoveryComponents } from '../../../src/discovery/tailscale.ts'
import { parseTailscaleStatus, tailnetDialTargets } from '../../../src/discovery/tailscale-status.ts'
import { silentLogger } from '../../../src/log.ts'
import { counterValue } from '../../../src/membership/metrics.ts'
import { standInTailscale, statusDocument, tailscalePrinting } from './tailscale-fixtures.ts'

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(
    dirs.splice(0).map(async dir => {
      await rm(dir, { recursive: true, force: true })
    })
  )
})

describe('tailscale status parsing', () => {
  const doc = statusDocument({
    selfIps: ['100.64.0.1', 'fd7a:115c:a1e0::1'],
    peers: [
      { host: 'render-2', ips: ['100.64.0.2', 'fd7a:115c:a1e0::2'], online: true },
      { host: 'laptop', ips: ['100.64.0.3'], online: false },
      { host: 'v6-only', ips: ['fd7a:115c:a1e0::4'], online: true }
    ]
  })

  it('reads Self and the Peer entries with their tailnet IPs', () => {
    const status = parseTailscaleStatus(JSON.stringify(doc))
    expect(status.backendState).toBe('Running')
    expect(status.self).toMatchObject({ hostName: 'self-host', ips: ['100.64.0.1', 'fd7a:115c:a1e0::1'] })
    expect(status.peers.map(p => [p.hostName, p.online])).toEqual([['render-2', true], ['laptop', false], ['v6-only', true]])
  })

  it('dials each online peer once, on the artdag port, preferring IPv4', () => {
    expect(tailnetDialTargets(parseTailscaleStatus(JSON.stringify(doc)), 4101)).toEqual([
      { hostName: 'render-2', ip: '100.64.0.2', address: '/ip4/100.64.0.2/tcp/4101' },
      { hostName: 'v6-only', ip: 'fd7a:115c:a1e0::4', address: '/ip6/fd7a:115c:a1e0::4/tcp/4101' }
    ])
  })

  it('dials nothing when tailscale is not running or has no peers', () => {
    const stopped = parseTailscaleStatus(JSON.stringify(statusDocument({ backendState: 'Stopped', peers: [{ host: 'x', ips: ['100.64.0.9'], online: true }] })))
    expect(tailnetDialTargets(stopped, 4101)).toEqual([])
    const alone = parseTailscaleStatus(JSON.stringify(statusDocument({ peers: [] })))
    expect(alone.peers).toEqual([])
  })

  it('names what is wrong with a garbled document', () => {
    expect(() => parseTailscaleStatus('{"BackendState":')).toThrow(/did not print JSON/)
    expect(() => parseTailscaleStatus('{"Peer":{}}')).toThrow(/BackendState/)
    expect(() => parseTailscaleStatus('{"BackendState":"Running","Peer":{"k":{"TailscaleIPs":"100.64.0.2"}}}')).toThrow(/Peer\.k\.TailscaleIPs/)
  })
})

describe('tailscale discovery with a stand-in tailscale on PATH', () => {
  // No dial happens in these cases: a libp2p that refuses to be used proves it.
  const noDial: TailscaleDiscoveryComponents['libp2p'] = {
    dial: async () => {
      throw new Error('no dial expected')
    },
    getConnections: () => []
  }

  async function discoveryWith (script: string, timeoutMs = 5000): Promise<{ discovery: TailscaleDiscovery, metrics: ReturnType<typeof createDiscoveryMetrics> }> {
    const { dir, env } = await standInTailscale(script)
    dirs.push(dir)
    const metrics = createDiscoveryMetrics()
    const discovery = new TailscaleDiscovery({ libp2p: noDial, metrics, logger: silentLogger(), env }, { timeoutMs })
    return { discovery, metrics }
  }

  it('runs the command with status --json and parses its output', async () => {
    const stand = await tailscalePrinting(statusDocument({ peers: [{ host: 'render-2', ips: ['100.64.0.2'], online: true }] }))
    dirs.push(stand.dir)
    const status = await runTailscaleStatus('tailscale', { timeoutMs: 5000, env: stand.env })
    expect(status.peers[0]).toMatchObject({ hostName: 'render-2', ips: ['100.64.0.2'] })
  })

  it('counts a failing tailscale as unavailable and carries on', async () => {
    const { discovery, metrics } = await discoveryWith('echo "failed to connect to local tailscaled; it doesn\'t appear to be running" >&2\nexit 1')
    await discovery.start()
    try {
      const round = await discovery.runOnce()
      expect(round).toEqual({ result: 'unavailable', dialled: [], connected: [], skipped: [], reason: expect.stringMatching(/tailscale status --json failed \(exit 1\): failed to connect to local tailscaled/) })
      expect(await counterValue(metrics.tailscaleRuns, { result: 'unavailable' })).toBeGreaterThanOrEqual(1)
      // What `artdag status` shows of it.
      expect(discovery.state()).toEqual({ port: 4101, lastRound: { at: expect.any(Number), result: 'unavailable', reason: round.reason, dialled: 0, connected: 0 } })
    } finally {
      await discovery.stop()
    }
  })

  it('counts garbled output as invalid', async () => {
    const { discovery, metrics } = await discoveryWith('echo \'{"BackendState": "Running", "Peer": [\'')
    await discovery.start()
    try {
      expect((await discovery.runOnce()).result).toBe('invalid')
      expect(await counterValue(metrics.tailscaleRuns, { result: 'invalid' })).toBeGreaterThanOrEqual(1)
    } finally {
      await discovery.stop()
    }
  })

  it('gives up on a tailscale that hangs, after its timeout', async () => {
    const { discovery, metrics } = await discoveryWith('exec sleep 30', 200)
    await discovery.start()
    try {
      const round = await discovery.runOnce()
      expect(round.result).toBe('unavailable')
      expect(await counterValue(metrics.tailscaleRuns, { result: 'unavailable' })).toBeGreaterThanOrEqual(1)
    } finally {
      await discovery.stop()
    }
  })

  it('names a missing command', async () => {
    await expect(runTailscaleStatus('/nonexistent/tailscale', { timeoutMs: 1000 })).rejects.toThrow(/not found/)
  })

  it('reports a stopped tailscale as not running', async () => {
    const stand = await tailscalePrinting(statusDocument({ backendState: 'NeedsLogin', peers: [{ host: 'x', ips: ['100.64.0.2'], online: true }] }))
    dirs.push(stand.dir)
    const metrics = createDiscoveryMetrics()
    const discovery = new TailscaleDiscovery({ libp2p: noDial, metrics, logger: silentLogger(), env: stand.env })
    expect(discovery.state().lastRound).toBeNull()
    await discovery.start()
    try {
      expect((await discovery.runOnce()).result).toBe('not_running')
      expect(discovery.state().lastRound).toMatchObject({ result: 'not_running', reason: 'tailscale is NeedsLogin' })
    } finally {
      await discovery.stop()
    }
  })
})
