import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RECORD_MODULES } from './helpers/cli.ts'
import { Daemon, initHomes } from './helpers/daemon.ts'

/**
 * What a daemon loads (issue 11: its idle memory): libp2p with the transports
 * and services it runs, not Helia's default libp2p configuration, which
 * @helia/libp2p's entry loads with it (WebRTC, WebSockets, auto-TLS with an ACME
 * client, UPnP, an HTTP client), nor Node's HTTP client.
 */

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-daemon-modules-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("a daemon's modules", { timeout: 120_000 }, () => {
  it('are libp2p and what it runs, not the defaults of @helia/libp2p', async () => {
    const [home] = await initHomes(dir, ['a']) as [string]
    const modules = join(dir, 'modules.txt')
    const daemon = await Daemon.start(home, { env: { NODE_OPTIONS: `--import ${RECORD_MODULES}`, RECORD_MODULES_TO: modules } })
    expect((await daemon.json(['status'])).peer).toBe(daemon.peerId)
    expect((await daemon.stop()).code).toBe(0)
    const recorded = (await readFile(modules, 'utf8')).split('\n')
    // The record is real: libp2p, gossipsub, the DHT and bitswap are there.
    for (const used of ['/node_modules/libp2p/', '/node_modules/@libp2p/gossipsub/', '/node_modules/@libp2p/kad-dht/', '/node_modules/@helia/bitswap/']) {
      expect(recorded.some(url => url.includes(used)), used).toBe(true)
    }
    const unused = /\/node_modules\/(@helia\/libp2p|@helia\/unixfs|@ipshipyard\/libp2p-auto-tls|acme-client|@libp2p\/(webrtc|websockets|upnp-nat|http|autonat|circuit-relay-v2|mdns)|undici)\/|internal\/deps\/undici/
    expect(recorded.filter(url => unused.test(url))).toEqual([])
  })

  it('leave out the TypeScript stripper after a start with a cold compile cache (it restarts once, warm)', async () => {
    const [home] = await initHomes(join(dir, 'cold'), ['a']) as [string]
    const modules = join(dir, 'cold-modules.txt')
    // A compile cache of its own, empty: every module is compiled, every .ts file stripped of its types.
    const env = { NODE_OPTIONS: `--import ${RECORD_MODULES}`, RECORD_MODULES_TO: modules, NODE_COMPILE_CACHE: join(dir, 'compile-cache') }
    const daemon = await Daemon.start(home, { env })
    expect((await daemon.json(['status'])).peer).toBe(daemon.peerId)
    expect((await daemon.stop()).code).toBe(0)
    const recorded = (await readFile(modules, 'utf8')).split('\n')
    expect(recorded.some(url => url.includes('/node_modules/libp2p/'))).toBe(true)
    expect(recorded.filter(line => line.includes('amaro'))).toEqual([])
  })
})
