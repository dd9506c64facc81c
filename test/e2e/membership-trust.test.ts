import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagJson from '@ipld/dag-json'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signNodeRecord } from '../../src/membership/index.ts'
import { ensureIpnsKey } from '../../src/membership/ipns-key.ts'
import { createArtdagNode } from '../../src/node/create-node.ts'
import { initHome } from '../../src/node/home.ts'
import { HEARTBEAT_TOPIC } from '../../src/protocol/messages/heartbeat.ts'
import { Daemon, eventually, initHomes, startCluster } from './helpers/daemon.ts'
import { createBare, heartbeatBytes, metric, recordFor, subscribedBy } from './helpers/hostile.ts'
import type { BareNode } from './helpers/hostile.ts'
import type { ArtdagNode } from '../../src/node/create-node.ts'
import type { PrivateKey } from '@libp2p/interface'

/**
 * Issue 9, membership rows, end to end: three real daemons on loopback and a
 * hostile peer holding the swarm key. A member's registry document cannot cut
 * another node out (its record counts only from itself), many short-lived
 * identities on one IP do not partition the cluster, and the socket's export
 * writes only where the daemon's user could.
 */

interface Peer {
  peer: string
  state: string
  lastSeen: number | null
}

let dir: string
let homes: string[]
let daemons: Daemon[]
let swarmKey: Uint8Array
const nodes: ArtdagNode[] = []

async function peersOf (daemon: Daemon): Promise<Peer[]> {
  return (await daemon.json<{ peers: Peer[] }>(['peers'])).peers
}

/** Resolves once `daemon` has accepted a heartbeat of each of `others` that arrived after `since`, and lists them alive. */
async function seesAlive (daemon: Daemon, others: Daemon[], since: number, what: string): Promise<void> {
  await eventually(async () => {
    const peers = await peersOf(daemon)
    return others.every(o => peers.some(p => p.peer === o.peerId && p.state === 'alive' && (p.lastSeen ?? 0) > since))
  }, { what, timeoutMs: 30_000 })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-trust-'))
  homes = await initHomes(dir, ['a', 'b', 'c'])
  swarmKey = await readFile(join(homes[0]!, 'swarm.key'))
  daemons = await startCluster(homes)
  for (const daemon of daemons) {
    await eventually(async () => (await peersOf(daemon)).filter(p => p.state === 'alive').length === 3, { what: `${daemon.home} to see all three alive`, timeoutMs: 60_000 })
  }
}, 120_000)

afterAll(async () => {
  await Promise.all(nodes.map(async node => {
    await node.stop()
  }))
  await Promise.all((daemons ?? []).map(async d => {
    await d.stop()
  }))
  await rm(dir, { recursive: true, force: true })
})

describe('membership cannot be poisoned, nor the cluster partitioned by identities on one IP', { timeout: 180_000 }, () => {
  it("a member publishing a registry document that lists a victim with seq MAX_SAFE_INTEGER cuts no one out, also across the victim's restart", async () => {
    const [a, b, c] = daemons as [Daemon, Daemon, Daemon]
    // The hostile member: a node of our own stack with the swarm key, that publishes a registry
    // document of its own making under its IPNS name before it meets anyone.
    const home = join(dir, 'hostile')
    await initHome({ home, swarmKeyFile: join(homes[0]!, 'swarm.key') })
    const hostile = await createArtdagNode({ home, listen: ['/ip4/127.0.0.1/tcp/0'] })
    nodes.push(hostile)
    const self = recordFor(hostile.peerId.toString(), Date.now(), hostile.multiaddrs().map(m => m.decapsulateCode(421).toString()))
    // b at the highest sequence there is (which once made its heartbeats stale everywhere, forever),
    // c at a plausible one; both signed by the hostile member, the only key it has.
    const poisonB = recordFor(b.peerId, Number.MAX_SAFE_INTEGER)
    const poisonC = recordFor(c.peerId, Date.now() + 60_000)
    // And one honest entry, a node that signed its own record: seeing it listed shows a daemon merged the document.
    const ghostKey = await generateKeyPair('Ed25519')
    const ghost = recordFor(peerIdFromPrivateKey(ghostKey).toString(), Date.now())
    const doc = {
      v: 1,
      type: 'artdag-registry',
      publishedAt: Date.now(),
      self,
      selfSignature: await signNodeRecord(self, hostile.privateKey),
      members: [
        { record: poisonB, signature: await signNodeRecord(poisonB, hostile.privateKey), lastSeen: Date.now() },
        { record: poisonC, signature: await signNodeRecord(poisonC, hostile.privateKey), lastSeen: Date.now() },
        { record: ghost, signature: await signNodeRecord(ghost, ghostKey), lastSeen: Date.now() }
      ]
    }
    const bytes = dagJson.encode(doc)
    const cid = CID.create(1, dagJson.code, await sha256.digest(bytes))
    await hostile.helia.blockstore.put(cid, bytes)
    await ensureIpnsKey(hostile.helia, hostile.privateKey, 'artdag-node')
    await hostile.ipns.publish('artdag-node', cid, { offline: true, lifetime: 3_600_000 })

    // It joins: every daemon pulls its document when it connects, and it heartbeats to be a member.
    for (const d of daemons) await hostile.dial(multiaddr(d.addresses[0]!))
    hostile.pubsub.subscribe(HEARTBEAT_TOPIC)
    await eventually(async () => daemons.every(d => hostile.pubsub.getSubscribers(HEARTBEAT_TOPIC).some(p => p.toString() === d.peerId)), { what: 'the hostile member to see the daemons subscribed' })
    await hostile.pubsub.publish(HEARTBEAT_TOPIC, await heartbeatBytes(self, hostile.privateKey))

    // A pull that times out on a loaded machine is retried by the anti-entropy pulls (every registry.publishIntervalMs).
    for (const d of daemons) {
      await eventually(async () => (await peersOf(d)).some(p => p.peer === ghost.peerId), { what: `${d.home} to merge the hostile document`, timeoutMs: 60_000 })
    }
    expect((await peersOf(a)).some(p => p.peer === hostile.peerId.toString())).toBe(true) // its own record is fine

    // b and c keep being heard: heartbeats sent after the poison are accepted everywhere.
    const poisoned = Date.now()
    await seesAlive(a, [b, c], poisoned, 'a to hear b and c after the poisoned document')
    await seesAlive(c, [a, b], poisoned, 'c to hear a and b after the poisoned document')
    await seesAlive(b, [a, c], poisoned, 'b to hear a and c after the poisoned document')
    // Every daemon refused both forged records, and counted them.
    for (const d of daemons) {
      expect(await metric(d, 'artdag_membership_records_refused_total', { source: 'registry', reason: 'future' })).toBeGreaterThanOrEqual(1)
      expect(await metric(d, 'artdag_membership_records_refused_total', { source: 'registry', reason: 'bad_signature' })).toBeGreaterThanOrEqual(1)
    }

    // b restarts: it meets the hostile document again, and its own record still wins.
    await b.stop()
    const b2 = await Daemon.start(homes[1]!, { bootstrap: [a.addresses[0]!] })
    daemons[1] = b2
    await hostile.dial(multiaddr(b2.addresses[0]!))
    await eventually(async () => (await metric(b2, 'artdag_membership_records_refused_total', { source: 'registry', reason: 'future' })) >= 1, { what: 'the restarted b to refuse its poisoned record again' })
    const restarted = Date.now()
    await seesAlive(a, [b2], restarted, 'a to hear the restarted b')
    await seesAlive(c, [b2], restarted, 'c to hear the restarted b')
    await seesAlive(b2, [a, c], restarted, 'the restarted b to hear a and c')
    expect(await metric(b2, 'artdag_heartbeats_published_total', { result: 'error' })).toBe(0)
    // b and c alive on a (the hostile member spoke once and is gone); a busy machine may see one suspect for a moment.
    await eventually(async () => (await a.json(['status'])).membership.alive === 2, { what: 'a to count b and c alive' })
  })

  it("30 short-lived identities from one IP, connecting and leaving, leave the cluster whole (the issue's 12, and more)", async () => {
    const [a, b, c] = daemons as [Daemon, Daemon, Daemon]
    /** A bare libp2p node with the swarm key, as scripts/submit-bare.ts builds one: a new identity each time. */
    const bare = async (): Promise<{ node: BareNode, key: PrivateKey }> => {
      const key = await generateKeyPair('Ed25519')
      return { node: await createBare(swarmKey, key), key }
    }

    // Each identity connects to every daemon, speaks once (a signed heartbeat: it is a member for
    // a moment), and leaves; three at a time. libp2p takes at most 5 new connections per second
    // from one host (connectionManager.inboundConnectionThreshold) and resets the rest: like any
    // client on a busy host, an identity dials again until it is let in.
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 3 }, async () => {
        const { node, key } = await bare()
        try {
          for (const d of daemons) {
            await eventually(async () => await node.dial(multiaddr(d.addresses[0]!), { signal: AbortSignal.timeout(10_000) }), { what: `an identity to connect to ${d.home}`, intervalMs: 250 })
          }
          node.services.pubsub.subscribe(HEARTBEAT_TOPIC)
          await subscribedBy(node.services.pubsub, daemons, [HEARTBEAT_TOPIC])
          await node.services.pubsub.publish(HEARTBEAT_TOPIC, await heartbeatBytes(recordFor(node.peerId.toString(), Date.now()), key))
        } finally {
          await node.stop()
        }
      }))
    }
    const left = Date.now()

    // Every daemon keeps hearing the others...
    await seesAlive(a, [b, c], left, 'a to hear b and c after the churn')
    await seesAlive(b, [a, c], left, 'b to hear a and c after the churn')
    await seesAlive(c, [a, b], left, 'c to hear a and b after the churn')
    // ... and messages keep flowing through the mesh: a newcomer connected to a alone hears all three.
    const { node: newcomer } = await bare()
    try {
      const heard = new Set<string>()
      newcomer.services.pubsub.addEventListener('message', event => {
        heard.add((JSON.parse(new TextDecoder().decode(event.detail.data)) as { peerId: string }).peerId)
      })
      // Dialled again if a's per-host limit on new connections resets it, as the identities above are.
      await eventually(async () => await newcomer.dial(multiaddr(a.addresses[0]!), { signal: AbortSignal.timeout(10_000) }), { what: 'the newcomer to connect to a', intervalMs: 250 })
      newcomer.services.pubsub.subscribe(HEARTBEAT_TOPIC)
      await eventually(async () => daemons.every(d => heard.has(d.peerId)), { what: 'a newcomer on a to hear heartbeats of a, b and c', timeoutMs: 30_000 })
    } finally {
      await newcomer.stop()
    }
    for (const d of daemons) expect((await d.json(['status'])).membership.alive).toBeGreaterThanOrEqual(2)
  })
})

/** `POST /v1/content/:cid/export` on the daemon's socket, as any client of the socket would send it. */
function exportRequest (socket: string, cid: string, path: string): Promise<{ status: number, message: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: 'POST', path: `/v1/content/${cid}/export`, headers: { 'content-type': 'application/json' } }, res => {
      let text = ''
      res.on('data', chunk => {
        text += String(chunk)
      })
      res.on('end', () => {
        const body = JSON.parse(text) as { error?: { message: string } }
        resolve({ status: res.statusCode ?? 0, message: body.error?.message ?? '' })
      })
    })
    req.on('error', reject)
    req.end(JSON.stringify({ path }))
  })
}

describe("the socket's export", { timeout: 60_000 }, () => {
  it("refuses a path with '..', another user's 0700 directory and a NUL byte, each with a message naming the path", async () => {
    const a = daemons[0]!
    const source = join(dir, 'source.txt')
    await writeFile(source, 'private bytes')
    const { cid } = await a.json<{ cid: string }>(['add', source])

    const out = join(dir, 'out')
    await mkdir(out, { recursive: true })
    const dotted = `${out}/sub/../escaped.txt`
    expect(await exportRequest(a.socket, cid, dotted)).toMatchObject({ status: 400, message: expect.stringContaining(`path ${dotted} contains a '..' segment`) })

    const nul = `${out}/evil\u0000.txt`
    expect(await exportRequest(a.socket, cid, nul)).toMatchObject({ status: 400, message: expect.stringContaining('control byte 0x00') })

    // Another user's private directory: made with chown when the test runs as root (as the daemon
    // does here, and root could write anywhere); otherwise our own without write permission.
    const theirs = join(dir, 'theirs')
    await mkdir(theirs, { mode: 0o700 })
    if (process.getuid?.() === 0) await chown(theirs, 65534, 65534)
    else await chmod(theirs, 0o500)
    const planted = join(theirs, 'planted.txt')
    const refused = await exportRequest(a.socket, cid, planted)
    expect(refused.status).toBe(403)
    expect(refused.message).toContain(`the daemon cannot write ${planted}`)
    await expect(readFile(planted)).rejects.toMatchObject({ code: 'ENOENT' })

    // Where the daemon's user may write, it writes.
    expect(await exportRequest(a.socket, cid, join(out, 'ok.txt'))).toEqual({ status: 200, message: '' })
    expect(await readFile(join(out, 'ok.txt'), 'utf8')).toBe('private bytes')
  })
})
