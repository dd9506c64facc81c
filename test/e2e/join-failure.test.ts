import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './helpers/browser.ts'
import { artdag } from './helpers/cli.ts'
import { Daemon, eventually, initHomes } from './helpers/daemon.ts'
import { statusDocument, tailscalePrinting } from '../unit/discovery/tailscale-fixtures.ts'
import type { BootstrapAddress, StatusResponse } from '../../src/api/index.ts'

/**
 * A daemon that cannot join its cluster says why, outside its log: the second
 * node was given its own swarm key (`artdag init` without `--swarm-key`) and
 * bootstraps to the first. `artdag status` names the address and the likely
 * cause, `artdag peers` points at it; once given the cluster's key and
 * restarted, both show nothing more than usual.
 */

let dir: string
let firstHome: string
let secondHome: string
let first: Daemon | undefined
let second: Daemon | undefined
let third: Daemon | undefined
let tailscaleDir: string | undefined

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-join-'))
  ;[firstHome] = (await initHomes(dir, ['first'])) as [string]
  secondHome = join(dir, 'second')
  const init = await artdag(['init', '--home', secondHome])
  if (init.code !== 0) throw new Error(`init ${secondHome}: ${init.stderr}`)
  first = await Daemon.start(firstHome)
})

afterAll(async () => {
  await third?.stop()
  if (tailscaleDir !== undefined) await rm(tailscaleDir, { recursive: true, force: true })
  await second?.stop()
  await first?.stop()
  await rm(dir, { recursive: true, force: true })
})

const statusOf = async (daemon: Daemon): Promise<StatusResponse> => await daemon.json<StatusResponse>(['status'])

describe('a daemon that cannot join its cluster', { timeout: 180_000 }, () => {
  it('with another swarm key: status names the bootstrap address and says the swarm keys likely differ, peers points at status', async () => {
    const bootstrap = first!.addresses[0] as string
    second = await Daemon.start(secondHome, { bootstrap: [bootstrap] })
    // Bounded: the first attempt fails within a dial, on a loaded machine too.
    const failing = await eventually(async () => (await statusOf(second!)).bootstrap?.find(b => b.lastError !== null), { timeoutMs: 60_000, what: 'the bootstrap failure in status' })
    expect(failing).toMatchObject({ address: bootstrap, connected: false, peer: null })
    expect(failing.lastError?.message).toContain(`cannot connect to ${bootstrap}: `)
    expect(failing.lastError?.message).toContain('the encrypted handshake failed: most often the two nodes have different swarm keys')
    expect(failing.failures).toBeGreaterThanOrEqual(1)

    const json = await statusOf(second!)
    expect(json.peers.connected).toBe(0)
    expect(json.bootstrap).toEqual([expect.objectContaining<Partial<BootstrapAddress>>({ address: bootstrap, connected: false })])

    const text = await second!.cli(['status'])
    expect(text.code, text.stderr).toBe(0)
    const line = text.stdout.split('\n').find(l => l.startsWith('bootstrap'))
    expect(line, text.stdout).toMatch(/^bootstrap +not connected for \d+(s|m)/)
    expect(line).toContain(`cannot connect to ${bootstrap}: `)
    expect(line).toContain("most often the two nodes have different swarm keys (give this one the cluster's: artdag init --swarm-key FILE --replace-swarm-key)")
    // It has a bootstrap address: the hint for a node with none is not shown.
    expect(text.stdout).not.toContain('to join a cluster')

    const peers = await second!.cli(['peers'])
    expect(peers.code, peers.stderr).toBe(0)
    expect(peers.stdout).toContain(`${second!.peerId} (self)`)
    expect(peers.stderr).toContain(`no other node: this node cannot connect to its bootstrap address ${bootstrap} (artdag status says why)`)
    const peersJson = await second!.cli(['peers', '--json'])
    expect(peersJson.stderr).toBe('')

    // The first node has no bootstrap address and, the keys differing, no peer: status says how to join.
    const alone = await first!.cli(['status'])
    expect(alone.stdout).toMatch(/^cluster +this node has no peer: to join a cluster, give it the cluster's swarm key \(artdag init --swarm-key FILE --replace-swarm-key\) and one bootstrap address/m)
    expect((await statusOf(first!)).bootstrap).toEqual([])
  })

  it("given the cluster's swarm key and restarted, status and peers show nothing more than usual", async () => {
    await second!.stop()
    const fixed = await artdag(['init', '--home', secondHome, '--swarm-key', join(firstHome, 'swarm.key'), '--replace-swarm-key'])
    expect(fixed.code, fixed.stderr).toBe(0)
    const bootstrap = first!.addresses[0] as string
    second = await Daemon.start(secondHome, { bootstrap: [bootstrap] })
    const connected = await eventually(async () => (await statusOf(second!)).bootstrap?.find(b => b.connected), { timeoutMs: 60_000, what: 'the bootstrap connection' })
    expect(connected).toMatchObject({ address: bootstrap, peer: first!.peerId, lastError: null, failures: 0, nextAttemptAt: null })

    const text = await second!.cli(['status'])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).not.toMatch(/^(bootstrap|cluster) /m)
    // The first node now has a peer: no hint there either.
    const firstText = await eventually(async () => {
      const result = await first!.cli(['status'])
      return result.code === 0 && !/^cluster /m.test(result.stdout) && result
    }, { timeoutMs: 30_000, what: "the first node's status without the join hint" })
    expect(firstText.stdout).toMatch(/^peers +[1-9]\d* connected$/m)

    const peers = await eventually(async () => {
      const result = await second!.cli(['peers'])
      return result.code === 0 && result.stdout.includes(first!.peerId) && result
    }, { timeoutMs: 30_000, what: 'the first node in peers' })
    expect(peers.stderr).toBe('')
  })

  it('with Tailscale discovery on and no artdag on the tailnet: status says what discovery found instead of the join hint', async () => {
    // A loopback port nothing listens on: the tailnet machine answers, but not as artdag.
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address()
        server.close(() => typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')))
      })
    })
    const stand = await tailscalePrinting(statusDocument({ selfIps: ['127.0.0.1'], peers: [{ host: 'render-2', ips: ['127.0.0.9'], online: true }] }))
    tailscaleDir = stand.dir
    const [home] = (await initHomes(dir, ['third'])) as [string]
    third = await Daemon.start(home, {
      env: { ARTDAG_DISCOVERY__TAILSCALE__ENABLED: 'true', ARTDAG_DISCOVERY__TAILSCALE__COMMAND: join(stand.dir, 'tailscale'), ARTDAG_DISCOVERY__TAILSCALE__PORT: String(port) }
    })
    // Bounded: the first round runs at start and ends within a refused dial.
    const round = await eventually(async () => (await statusOf(third!)).discovery?.tailscale?.lastRound ?? false, { timeoutMs: 60_000, what: "discovery's first round in status" })
    expect(round).toMatchObject({ result: 'ok', reason: null, dialled: 1, connected: 0 })

    const text = await third!.cli(['status'])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(new RegExp(`^tailscale +none of the 1 online tailnet machine answered as artdag on port ${port} \\(the last round \\d+s ago\\): start artdag daemon on them`, 'm'))
    // Discovery is on: the hint that suggests turning it on is not shown.
    expect(text.stdout).not.toContain('to join a cluster')
    const peers = await third!.cli(['peers'])
    expect(peers.stderr).toContain('no other node: Tailscale discovery has found none (artdag status says why)')

    // The dashboard's Cluster view says the same, in a real browser.
    const { loginUrl } = await third!.json<{ loginUrl: string }>(['ui'])
    const browser = await launchBrowser()
    try {
      const page = await browser.context.newPage()
      await page.goto(loginUrl)
      const note = page.getByTestId('tailscale-note')
      await note.waitFor({ timeout: 30_000 })
      expect(await note.textContent()).toMatch(new RegExp(`^Tailscale: none of the 1 online tailnet machine answered as artdag on port ${port} \\(the last round \\d+s ago\\)`))
    } finally {
      await browser.close()
    }
  })
})
