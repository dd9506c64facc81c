import { join } from 'node:path'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { createApiClient } from '../../../src/api/client.ts'
import { signNodeRecord } from '../../../src/membership/index.ts'
import { createArtdagNode } from '../../../src/node/create-node.ts'
import { createPubSub } from '../../../src/node/gossipsub.ts'
import { initHome } from '../../../src/node/home.ts'
import { TOPIC_DEFAULTS } from '../../../src/protocol/topics.ts'
import { eventually } from './daemon.ts'
import type { Daemon } from './daemon.ts'
import type { ArtdagNode } from '../../../src/node/create-node.ts'
import type { NodeRecord } from '../../../src/protocol/messages/heartbeat.ts'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

/**
 * A hostile member for end-to-end tests (issue 9): a peer holding the swarm
 * key that speaks the wire protocol of docs/PROTOCOL.md with its own key, and
 * says whatever it likes. Messages are built from the docs, not from artdag's
 * encoders, so the tests also check that the docs describe the wire.
 */

export const TOPICS = TOPIC_DEFAULTS

/** The value of one counter in the daemon's `/metrics`, summed over the samples whose labels include `labels`; 0 when absent. */
export async function metric (daemon: Daemon, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await createApiClient({ home: daemon.home, socketPath: daemon.socket }).metrics()
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  let total = 0
  for (const line of text.split('\n')) {
    if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && wanted.every(w => line.includes(w))) total += Number(line.split(' ').at(-1))
  }
  return total
}

export function recordFor (peerId: string, seq: number, addrs: string[] = []): NodeRecord {
  return { peerId, addrs, version: 'hostile', seq, sentAt: Date.now(), capacity: { slots: 0, cores: 0, freeDiskBytes: 0 }, capabilities: { ffmpegVersion: null, encoders: [] } }
}

export interface HeartbeatExtras {
  leases?: Array<{ cacheId: string, epoch: number }>
  jobs?: Array<{ jobId: string, state: 'running' | 'completed' | 'failed' | 'cancelled' }>
}

/** A signed heartbeat for `record`'s node, as the wire wants it. */
export async function heartbeatBytes (record: NodeRecord, key: PrivateKey, extras: HeartbeatExtras = {}): Promise<Uint8Array> {
  const signature = await signNodeRecord(record, key)
  return json({ v: 1, type: 'heartbeat', ...record, load: { runningSteps: 0, loadAverage: 0 }, leases: extras.leases ?? [], jobs: extras.jobs ?? [], signature })
}

export function json (value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}

/**
 * A member's signed statement, built as docs/PROTOCOL.md says: the member's
 * Ed25519 signature, standard base64, over `prefix ‖ 0x00 ‖ field ‖ 0x00 ‖ …`.
 * Results: `artdag-result:v1`, cache id, CID, epoch; failures: `artdag-failed:v1`, cache id, epoch.
 */
export async function statement (key: PrivateKey, fields: Array<string | number>): Promise<string> {
  return Buffer.from(await key.sign(new TextEncoder().encode(fields.join('\u0000')))).toString('base64')
}

/** A bare libp2p node with the swarm key, as scripts/submit-bare.ts builds one. */
export async function createBare (swarmKey: Uint8Array, key: PrivateKey): Promise<BareNode> {
  return await createLibp2p({
    privateKey: key,
    addresses: { listen: [] },
    transports: [tcp()],
    connectionProtector: preSharedKey({ psk: swarmKey }),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), pubsub: createPubSub() }
  })
}
export type BareNode = Libp2p<{ identify: Identify, pubsub: ReturnType<ReturnType<typeof createPubSub>> }>

/** Resolves once every daemon's subscription to each topic has reached `pubsub`. */
export async function subscribedBy (pubsub: ArtdagNode['pubsub'], daemons: Daemon[], topics: string[]): Promise<void> {
  await eventually(async () => topics.every(topic => daemons.every(d => pubsub.getSubscribers(topic).some(p => p.toString() === d.peerId))), { what: "the daemons' subscriptions", intervalMs: 20 })
}

/**
 * A member that heartbeats (0 slots: it runs nothing) and otherwise publishes
 * whatever the test asks. A node of artdag's own stack: it serves bytes
 * (bitswap and the fetch protocol) and stores and puts DHT records, which a
 * bare libp2p node cannot. Its heartbeats carry what `extras` holds.
 */
export class HostileMember {
  readonly node: ArtdagNode
  readonly peerId: string
  extras: HeartbeatExtras = {}
  #timer: NodeJS.Timeout | undefined
  readonly #heard: Array<Record<string, unknown>> = []

  private constructor (node: ArtdagNode) {
    this.node = node
    this.peerId = node.peerId.toString()
    node.pubsub.addEventListener('message', event => {
      try {
        this.#heard.push(JSON.parse(new TextDecoder().decode(event.detail.data)) as Record<string, unknown>)
        if (this.#heard.length > 10_000) this.#heard.shift()
      } catch { /* not JSON: not ours to read */ }
    })
  }

  /** A node in `<dir>/hostile`, sharing `swarmKeyFile`, joined to every daemon and heartbeating every `intervalMs`. */
  static async join (dir: string, swarmKeyFile: string, daemons: Daemon[], intervalMs = 300): Promise<HostileMember> {
    const home = join(dir, 'hostile')
    await initHome({ home, swarmKeyFile })
    const member = new HostileMember(await createArtdagNode({ home, listen: ['/ip4/127.0.0.1/tcp/0'] }))
    for (const d of daemons) await member.node.dial(multiaddr(d.addresses[0]!))
    for (const topic of Object.values(TOPICS)) member.node.pubsub.subscribe(topic)
    await subscribedBy(member.node.pubsub, daemons, Object.values(TOPICS))
    await member.heartbeat()
    member.#timer = setInterval(() => {
      member.heartbeat().catch(() => {/* best effort, as any heartbeat */})
    }, intervalMs)
    await eventually(async () => {
      for (const d of daemons) if (!(await d.json<{ peers: Array<{ peer: string }> }>(['peers'])).peers.some(p => p.peer === member.peerId)) return false
      return true
    }, { what: 'every daemon to count the hostile node a member' })
    return member
  }

  get privateKey (): PrivateKey {
    return this.node.privateKey
  }

  async heartbeat (): Promise<void> {
    const addrs = this.node.multiaddrs().map(m => m.decapsulateCode(421).toString())
    await this.node.pubsub.publish(TOPICS.heartbeat, await heartbeatBytes(recordFor(this.peerId, Date.now(), addrs), this.privateKey, this.extras))
  }

  async publish (topic: string, message: Record<string, unknown>): Promise<void> {
    await this.node.pubsub.publish(topic, json(message))
  }

  /** The messages heard so far (every topic) that match `pred`. */
  heard (pred: (msg: Record<string, unknown>) => boolean): Array<Record<string, unknown>> {
    return this.#heard.filter(pred)
  }

  async stop (): Promise<void> {
    clearInterval(this.#timer)
    await this.node.stop()
  }
}
