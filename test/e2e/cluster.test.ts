import { randomBytes, createHash } from 'node:crypto'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiClient } from '../../src/api/client.ts'
import { createArtdagNode } from '../../src/node/create-node.ts'
import { initHome } from '../../src/node/home.ts'
import { signNodeRecord } from '../../src/membership/index.ts'
import { heartbeatCodec } from '../../src/protocol/messages/heartbeat.ts'
import { artdagBytes } from './helpers/cli.ts'
import { Daemon, eventually, initHomes, startCluster } from './helpers/daemon.ts'
import type { ArtdagNode } from '../../src/node/create-node.ts'

/**
 * Issue 2, end to end: three real `artdag daemon` processes in separate homes on
 * loopback find each other from one bootstrap address, move content, detect a
 * stopped node, shrug off hostile peers, and remember the cluster across restarts.
 */

interface Peer {
  peer: string
  state: string
  source: string
  self: boolean
}

let dir: string
let homes: string[]
let daemons: Daemon[]
const outsiders: ArtdagNode[] = []

async function peersOf (daemon: Daemon): Promise<Peer[]> {
  return (await daemon.json<{ peers: Peer[] }>(['peers'])).peers
}

// oxlint-disable-next-line typescript/no-explicit-any -- JSON of any shape, which the assertions check
function socketRequest (socket: string, method: string, path: string, body?: string): Promise<{ status: number, json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers: body != null ? { 'content-type': 'application/json' } : {} }, res => {
      let text = ''
      res.on('data', chunk => {
        text += String(chunk)
      })
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** A libp2p node of our own stack in this process: the outsider a daemon must resist. */
async function outsider (name: string, swarmKeyFile?: string): Promise<ArtdagNode> {
  const home = join(dir, name)
  await initHome({ home, swarmKeyFile })
  const node = await createArtdagNode({ home, listen: ['/ip4/127.0.0.1/tcp/0'] })
  outsiders.push(node)
  return node
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-cluster-'))
  homes = await initHomes(dir, ['a', 'b', 'c'])
  daemons = await startCluster(homes)
}, 120_000)

afterAll(async () => {
  await Promise.all(outsiders.map(async node => {
    await node.stop()
  }))
  await Promise.all((daemons ?? []).map(async d => {
    await d.stop()
  }))
  await rm(dir, { recursive: true, force: true })
})

describe('a three-daemon cluster on loopback', { timeout: 120_000 }, () => {
  it('finds every member from one bootstrap address: peers on each lists all three alive', async () => {
    const ids = daemons.map(d => d.peerId).sort()
    for (const daemon of daemons) {
      await eventually(async () => {
        const peers = await peersOf(daemon)
        return peers.length === 3 && peers.every(p => p.state === 'alive') && JSON.stringify(peers.map(p => p.peer).sort()) === JSON.stringify(ids)
      }, { what: `${daemon.home} to see all three alive` })
    }
    const status = await daemons[1]!.json(['status'])
    expect(status.membership).toEqual({ alive: 2, suspect: 0, dead: 0 })
    expect(status.peers.connected).toBeGreaterThanOrEqual(2)
  })

  it('moves a 12 MiB file added on A to C through the cluster: same bytes', async () => {
    const file = join(dir, 'big.bin')
    const bytes = randomBytes(12 * 1024 * 1024)
    await writeFile(file, bytes)
    const added = await daemons[0]!.json<{ cid: string, size: number }>(['add', file])
    expect(added.size).toBe(bytes.length)
    const out = join(dir, 'big-from-c.bin')
    const got = await daemons[2]!.json<{ size: number }>(['get', added.cid, '-o', out])
    expect(got.size).toBe(bytes.length)
    const { readFile } = await import('node:fs/promises')
    expect(createHash('sha256').update(await readFile(out)).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'))
    // C fetched it from A over the transfer protocol, and both count it.
    const counter = async (daemon: Daemon, name: string): Promise<number> => {
      const text = await createApiClient({ home: daemon.home, socketPath: daemon.socket }).metrics()
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])
    }
    expect(await counter(daemons[2]!, 'artdag_bytes_fetched_total')).toBeGreaterThanOrEqual(bytes.length)
    expect(await counter(daemons[0]!, 'artdag_bytes_served_total')).toBeGreaterThanOrEqual(bytes.length)
    // And `cat` on B streams the same bytes to stdout.
    const cat = await artdagBytes(['cat', added.cid, '--home', daemons[1]!.home], { env: daemons[1]!.env })
    expect(cat.code).toBe(0)
    expect(cat.stdout.length).toBe(bytes.length)
    expect(createHash('sha256').update(cat.stdout).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'))
  })

  it('refuses a node without the swarm key; the cluster keeps working', async () => {
    const stranger = await outsider('stranger')
    await expect(stranger.dial(multiaddr(daemons[0]!.addresses[0]!))).rejects.toThrow()
    expect((await peersOf(daemons[0]!)).map(p => p.peer)).not.toContain(stranger.peerId.toString())
    expect((await daemons[0]!.json(['status'])).membership.alive).toBe(2)
  })

  it('rejects and counts forged and malformed messages, and keeps running', async () => {
    const a = daemons[0]!
    const intruder = await outsider('intruder', join(homes[0]!, 'swarm.key'))
    await intruder.dial(multiaddr(a.addresses[0]!))
    const topic = 'artdag/v1/nodes/heartbeat'
    intruder.pubsub.subscribe(topic)
    await eventually(async () => intruder.pubsub.getSubscribers(topic).some(p => p.equals(intruder.peerId) === false && p.toString() === a.peerId), { what: 'A to be subscribed' })
    const client = createApiClient({ home: a.home, socketPath: a.socket })
    const rejected = async (reason: string): Promise<number> => {
      const text = await client.metrics()
      const line = text.split('\n').find(l => l.startsWith('artdag_pubsub_messages_rejected_total{') && l.includes(`reason="${reason}"`) && l.includes(topic))
      return line != null ? Number(line.split(' ').at(-1)) : 0
    }
    // Malformed: not JSON at all. Forged: a well-formed heartbeat claiming to be B, signed by the intruder.
    await intruder.pubsub.publish(topic, new TextEncoder().encode('{"v":1,"type":"heartbeat", oops'))
    const body = {
      v: 1 as const,
      type: 'heartbeat' as const,
      peerId: daemons[1]!.peerId,
      addrs: [],
      version: '0.1.0',
      seq: Date.now(),
      sentAt: Date.now(),
      capacity: { slots: 64, cores: 64, freeDiskBytes: 0 },
      load: { runningSteps: 0, loadAverage: 0 },
      capabilities: { ffmpegVersion: null, encoders: [] },
      leases: [],
      jobs: []
    }
    const forged = { ...body, signature: await signNodeRecord(body, intruder.privateKey) }
    await intruder.pubsub.publish(topic, heartbeatCodec.encode(forged))
    await eventually(async () => (await rejected('malformed')) >= 1 && (await rejected('forged')) >= 1, { what: 'A to count both rejections' })
    // A still answers, and still sees B with B's own capacity, not the forged one.
    const peers = await peersOf(a)
    expect(peers.find(p => p.peer === daemons[1]!.peerId)?.state).toBe('alive')
    const b = (await a.json<{ peers: Array<Peer & { capacity: { slots: number } }> }>(['peers'])).peers.find(p => p.peer === daemons[1]!.peerId)
    expect(b?.capacity.slots).not.toBe(64)
  })

  it('answers bad requests on the socket with 4xx JSON errors, and the socket is only for its owner', async () => {
    const a = daemons[0]!
    expect((await stat(a.socket)).mode & 0o777).toBe(0o600)
    expect((await stat(a.home)).mode & 0o777).toBe(0o700)
    const unknown = await socketRequest(a.socket, 'GET', '/v1/nope')
    expect(unknown.status).toBe(404)
    expect(unknown.json.error.kind).toBe('not_found')
    const badCid = await socketRequest(a.socket, 'POST', '/v1/pins/not-a-cid', '{}')
    expect(badCid.status).toBe(400)
    expect(badCid.json.error.message).toContain('not-a-cid')
    const badJson = await socketRequest(a.socket, 'POST', '/v1/jobs', '{"recipe":')
    expect(badJson.status).toBeGreaterThanOrEqual(400)
    expect(badJson.status).toBeLessThan(500)
    expect((await a.json(['status'])).peer).toBe(a.peerId)
  })

  it('sees a stopped member suspect, then dead', async () => {
    const [a, , c] = daemons as [Daemon, Daemon, Daemon]
    const client = createApiClient({ home: a.home, socketPath: a.socket })
    const controller = new AbortController()
    const seen: string[] = []
    const stream = await client.events({ types: ['member'], signal: controller.signal })
    const watching = (async () => {
      try {
        for await (const event of stream) {
          if (event.peer === c.peerId) seen.push(event.type)
          if (event.type === 'member.dead' && event.peer === c.peerId) return
        }
      } catch (err: unknown) {
        if (!controller.signal.aborted) throw err
      }
    })()
    expect((await c.stop()).code).toBe(0)
    const deadline = setTimeout(() => controller.abort(), 30_000)
    await watching
    clearTimeout(deadline)
    controller.abort()
    expect(seen).toEqual(['member.suspect', 'member.dead'])
    expect((await peersOf(a)).find(p => p.peer === c.peerId)?.state).toBe('dead')
  })

  it('remembers the cluster across restarts: one node started alone lists the others from IPNS', async () => {
    const [a, b, c] = daemons as [Daemon, Daemon, Daemon]
    // Give A's registry a publish after C's death, then stop everyone.
    await eventually(async () => (await a.json(['status'])).membership.dead === 1)
    await Promise.all([a.stop(), b.stop()])
    // Alone means alone: the test's own outsider nodes go too.
    await Promise.all(
      outsiders.splice(0).map(async node => {
        await node.stop()
      })
    )
    const alone = await Daemon.start(homes[0]!)
    daemons[0] = alone
    const peers = await peersOf(alone)
    expect(peers.map(p => p.peer).sort()).toEqual([a.peerId, b.peerId, c.peerId].sort())
    for (const other of [b, c]) {
      const entry = peers.find(p => p.peer === other.peerId)
      expect(entry?.source).toBe('registry')
      expect(['suspect', 'dead']).toContain(entry?.state)
    }
  })
})
