#!/usr/bin/env node
/**
 * One node of the message-cost benchmark (scripts/bench/message-cost.ts), in
 * its own process as a daemon is: the daemon's connection stack (TCP + pnet +
 * noise + yamux, identify, its silent libp2p logger and Ed25519 key objects)
 * and one way to move cluster messages:
 *
 *   gossip            gossipsub as the daemon makes it (createPubSub), one topic
 *   gossip-nofwd      the same with an empty mesh (D = 0, no IHAVE gossip): a
 *                     message goes from its publisher to every peer (floodPublish)
 *                     and nobody forwards it
 *   gossip-idontwant  the daemon's gossipsub announcing every message with
 *                     IDONTWANT (its threshold is 16 KiB), to stop the forwarded copy
 *   direct            one long-lived stream per ordered pair of peers, opened once,
 *                     frames length-prefixed with it-length-prefixed (as gossipsub's own)
 *   signed            as direct, each frame an Ed25519 signature by the sender's
 *                     libp2p key over the payload, checked on receipt
 *   tcp               as direct over plain loopback TCP sockets (node:net, no pnet,
 *                     noise or yamux; the first frame names the sender): the
 *                     floor, what Node itself costs per message
 *
 *   node scripts/bench/lib/message-peer.ts <mode> <swarm.key>
 *
 * Driven over IPC by its parent (one request, one reply, matched by `id`); it
 * sends `{ type: 'ready', peerId, addr }` first. Every received message is
 * decoded with the real codec (JSON and the zod schema) of a lease claim or a
 * step result, whichever it is.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect as tcpConnect, createServer } from 'node:net'
import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
// gossipsub's own framing (its stream.ts); installed with @libp2p/gossipsub, not a direct dependency.
import { decode as lpDecode, encode as lpEncode } from 'it-length-prefixed'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { concat } from 'uint8arrays/concat'
import { z } from 'zod'
import { debugLogger } from '../../../src/node/debug-logger.ts'
import { useEd25519KeyObjects } from '../../../src/node/ed25519-key-objects.ts'
import { createPubSub } from '../../../src/node/gossipsub.ts'
import type { PubSub, PubSubInit } from '../../../src/node/gossipsub.ts'
import { CONNECTION_PING_INTERVAL_MS } from '../../../src/node/libp2p-options.ts'
import { readSwarmKey } from '../../../src/node/swarm-key.ts'
import { jsonCodec, PROTOCOL_VERSION } from '../../../src/protocol/codec.ts'
import { STEP_COMPLETED_MAX_BYTES, stepCompletedSchema } from '../../../src/protocol/messages/jobs.ts'
import type { LeaseClaimMessage } from '../../../src/protocol/messages/lease.ts'
import { leaseClaimSchema } from '../../../src/protocol/messages/lease.ts'
import { MODES } from './message-protocol.ts'
import type { Mode, Request, Sample } from './message-protocol.ts'
import { plainLibp2p } from './stream-peer.ts'
import type { Identify } from '@libp2p/identify'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { ServiceFactoryMap } from 'libp2p'

const TOPIC = 'artdag-bench/v1/messages'
const DIRECT_PROTOCOL = '/artdag-bench/messages/1.0.0'
const SIGNATURE_BYTES = 64
const MAX_FRAME_BYTES = STEP_COMPLETED_MAX_BYTES + SIGNATURE_BYTES

/** The daemon's gossipsub options (createPubSub's defaults), and what each variant changes. */
const GOSSIP_VARIANTS: Partial<Record<Mode, PubSubInit>> = {
  gossip: {},
  'gossip-nofwd': { D: 0, Dlo: 0, Dhi: 0, Dscore: 0, Dout: 0, Dlazy: 0, gossipFactor: 0 },
  'gossip-idontwant': { idontwantMinDataSize: 1 }
}

/** The two messages a tiny step sends most: a lease claim (~300 bytes) and a step result (~600). */
const messageSchema = z.discriminatedUnion('type', [leaseClaimSchema, stepCompletedSchema])
const messageCodec = jsonCodec('bench message', messageSchema, STEP_COMPLETED_MAX_BYTES)
type StepCompletedMessage = z.infer<typeof stepCompletedSchema>
type BenchMessage = LeaseClaimMessage | StepCompletedMessage

const [modeArg, keyPath] = process.argv.slice(2)
if (!MODES.includes(modeArg as Mode) || keyPath == null || process.send == null) {
  process.stderr.write(`usage (over IPC): message-peer.ts <${MODES.join('|')}> <swarm.key>\n`)
  process.exit(2)
}
const mode = modeArg as Mode
const gossipInit = GOSSIP_VARIANTS[mode]

useEd25519KeyObjects()
const privateKey = await generateKeyPair('Ed25519')
const services: ServiceFactoryMap<{ identify: Identify, pubsub?: PubSub }> = { identify: identify() }
if (gossipInit != null) services.pubsub = createPubSub({ scoredTopics: [TOPIC], ...gossipInit })
const node = await plainLibp2p(await readSwarmKey(keyPath), ['/ip4/127.0.0.1/tcp/0'], {
  privateKey,
  logger: debugLogger(),
  connectionMonitor: { pingInterval: CONNECTION_PING_INTERVAL_MS },
  services
})
const self = node.peerId.toString()
const pubsub = node.services.pubsub

const delivered = new Map<string, number>()
const counters = { copies: 0, failures: 0, payloadBytes: 0, sent: 0 }
let waiter: { perPeer: number, peers: string[], done: () => void } | undefined
/** The other peers' ids, as the parent named them in `connect`. */
let others: string[] = []

function accept (from: string, bytes: Uint8Array): void {
  try {
    messageCodec.decode(bytes)
  } catch {
    counters.failures++
    return
  }
  delivered.set(from, (delivered.get(from) ?? 0) + 1)
  if (waiter != null && waiter.peers.every(peer => (delivered.get(peer) ?? 0) >= waiter!.perPeer)) waiter.done()
}

/** Where direct, signed and tcp send: one stream (or socket) to each other peer. */
const outbound: Array<Stream | Socket> = []
const inbound = new Set<string>()

if (pubsub != null) {
  pubsub.subscribe(TOPIC)
  pubsub.addEventListener('message', (evt) => {
    const msg = evt.detail
    if (msg.topic === TOPIC && msg.type === 'signed') accept(msg.from.toString(), msg.data)
  })
  // Every message gossipsub reads off the wire, first copies and duplicates alike.
  const internals = pubsub as unknown as { handleReceivedMessage: (from: unknown, rpcMsg: unknown) => Promise<void> }
  const handle = internals.handleReceivedMessage.bind(pubsub)
  internals.handleReceivedMessage = async (from, rpcMsg) => {
    counters.copies++
    await handle(from, rpcMsg)
  }
} else if (mode !== 'tcp') {
  await node.handle(DIRECT_PROTOCOL, (stream: Stream, connection: Connection) => {
    inbound.add(connection.remotePeer.toString())
    readFrames(stream, connection.remotePeer).catch((err: unknown) => {
      counters.failures++
      stream.abort(err as Error)
    })
  })
}

/** tcp mode: one socket per ordered pair, as direct has one stream; the first frame is the sender's id. */
const sockets: Socket[] = []
const server = mode === 'tcp'
  ? createServer(socket => {
    socket.setNoDelay(true)
    sockets.push(socket)
    readSocket(socket).catch(() => {
      counters.failures++
      socket.destroy()
    })
  })
  : undefined
if (server != null) await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))

async function readSocket (socket: Socket): Promise<void> {
  let sender: string | undefined
  for await (const frame of lpDecode(socket, { maxDataLength: MAX_FRAME_BYTES })) {
    if (sender == null) {
      sender = new TextDecoder().decode(frame.subarray())
      inbound.add(sender)
    } else {
      accept(sender, frame.subarray())
    }
  }
}

async function readFrames (stream: Stream, from: PeerId): Promise<void> {
  const sender = from.toString()
  const key = from.publicKey
  if (mode === 'signed' && key == null) throw new Error(`peer ${sender} has no public key in its id`)
  for await (const frame of lpDecode(stream, { maxDataLength: MAX_FRAME_BYTES })) {
    const bytes = frame.subarray()
    if (mode === 'signed') {
      const payload = bytes.subarray(SIGNATURE_BYTES)
      if (!(await key!.verify(payload, bytes.subarray(0, SIGNATURE_BYTES)))) {
        counters.failures++
        continue
      }
      accept(sender, payload)
    } else {
      accept(sender, bytes)
    }
  }
}

/** Dials `dial`, then waits until every one of `peers` is connected and ready for this mode. */
async function connect (dial: string[], addrs: Record<string, string>, timeoutMs: number): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs)
  const peers = Object.keys(addrs)
  if (mode === 'tcp') {
    for (const addr of Object.values(addrs)) {
      const [, , host, , port] = addr.split('/') // /ip4/127.0.0.1/tcp/<port>, as `ready` gave it
      const socket = tcpConnect({ host, port: Number(port), noDelay: true, signal })
      await once(socket, 'connect', { signal })
      sockets.push(socket)
      outbound.push(socket)
      socket.write(lpEncode.single(new TextEncoder().encode(self)).subarray())
    }
    while (!peers.every(peer => inbound.has(peer))) await sleep(20, undefined, { signal })
    return
  }
  await Promise.all(dial.map(async addr => await node.dial(multiaddr(addr), { signal })))
  const ids = peers.map(peer => peerIdFromString(peer))
  while (!ids.every(id => node.getConnections(id).length > 0)) await sleep(20, undefined, { signal })
  if (pubsub == null) {
    for (const id of ids) outbound.push(await node.dialProtocol(id, DIRECT_PROTOCOL, { signal }))
    while (!peers.every(peer => inbound.has(peer))) await sleep(20, undefined, { signal })
    return
  }
  const meshed = pubsub as unknown as { getMeshPeers: (topic: string) => string[] }
  const wantMesh = (gossipInit?.D ?? 1) > 0
  while (true) {
    const subscribers = new Set(pubsub.getSubscribers(TOPIC).map(id => id.toString()))
    const mesh = new Set(meshed.getMeshPeers(TOPIC))
    if (peers.every(peer => subscribers.has(peer) && (!wantMesh || mesh.has(peer))) && (wantMesh || mesh.size === 0)) return
    await sleep(20, undefined, { signal })
  }
}

const prepared: BenchMessage[] = []

/** Random ids for the next `count` messages, made before the clock starts. */
function prepare (count: number): void {
  const cid = (): string => CID.createV1(raw.code, createDigest(0x12, randomBytes(32))).toString()
  for (let i = 0; i < count; i++) {
    const n = counters.sent + prepared.length
    const common = { v: PROTOCOL_VERSION as 1, jobId: cid(), stepId: `frame-${n}`, cacheId: randomBytes(32).toString('hex'), holder: self, sentAt: 0 }
    prepared.push(
      n % 2 === 0
        ? { ...common, type: 'lease_claim', epoch: 1 }
        : { ...common, type: 'step_completed', cid: cid(), epoch: 1, sender: self, cached: false, attestations: [{ peer: self, epoch: 1, sig: randomBytes(SIGNATURE_BYTES).toString('base64') }], durationMs: 41.7 }
    )
  }
}

async function send (message: BenchMessage): Promise<void> {
  message.sentAt = Date.now()
  const payload = messageCodec.encode(message)
  counters.payloadBytes += payload.byteLength
  counters.sent++
  if (pubsub != null) {
    await pubsub.publish(TOPIC, payload)
    return
  }
  const body = mode === 'signed' ? concat([await privateKey.sign(payload), payload]) : payload
  const frame = lpEncode.single(body).subarray()
  for (const out of outbound) {
    if ('send' in out) {
      if (!out.send(frame)) await out.onDrain({ signal: AbortSignal.timeout(10_000) })
    } else if (!out.write(frame)) {
      await once(out, 'drain', { signal: AbortSignal.timeout(10_000) })
    }
  }
}

/** Sends `count` prepared messages, `rate` a second, each on time (late ones at once). */
async function publish (count: number, rate: number): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    const wait = started + (i * 1000) / rate - performance.now()
    if (wait > 1) await sleep(wait)
    const message = prepared.shift()
    if (message == null) throw new Error('publish: not enough prepared messages')
    await send(message)
  }
  return performance.now() - started
}

/** Until every other peer's messages delivered here number `perPeer`, within `timeoutMs`. */
async function waitFor (perPeer: number, timeoutMs: number): Promise<number> {
  const started = performance.now()
  const peers = others
  if (!peers.every(peer => (delivered.get(peer) ?? 0) >= perPeer)) {
    const done = Promise.withResolvers<void>()
    waiter = { perPeer, peers, done: done.resolve }
    const timer = setTimeout(() => {
      done.reject(new Error(`waited ${timeoutMs} ms for ${perPeer} messages from each peer; have ${JSON.stringify(Object.fromEntries(delivered))}`))
    }, timeoutMs)
    try {
      await done.promise
    } finally {
      clearTimeout(timer)
      waiter = undefined
    }
  }
  return performance.now() - started
}

function sample (): Sample {
  const cpu = process.cpuUsage()
  return { cpuMicros: cpu.user + cpu.system, delivered: [...delivered.values()].reduce((a, b) => a + b, 0), ...counters }
}

async function answer (req: Request): Promise<Record<string, unknown>> {
  switch (req.type) {
    case 'connect':
      others = Object.keys(req.addrs)
      await connect(req.dial, req.addrs, req.timeoutMs)
      return {}
    case 'prepare':
      prepare(req.count)
      return {}
    case 'publish':
      return { ms: await publish(req.count, req.rate) }
    case 'wait':
      return { ms: await waitFor(req.perPeer, req.timeoutMs) }
    case 'sample':
      return { sample: sample() }
    case 'stop':
      await Promise.all(outbound.map(async out => 'close' in out && typeof out.close === 'function' && 'send' in out ? await out.close().catch(() => {}) : undefined))
      for (const socket of sockets) socket.destroy()
      if (server != null) await new Promise(resolve => server.close(resolve))
      await node.stop()
      return {}
  }
}

const toParent = (message: Record<string, unknown>): void => {
  if (process.connected) process.send?.(message)
}
process.on('message', (req: Request) => {
  answer(req).then(
    reply => {
      toParent({ id: req.id, ...reply })
      if (req.type === 'stop') process.disconnect?.()
    },
    (err: unknown) => toParent({ id: req.id, error: err instanceof Error ? err.message : String(err) })
  )
})
// The parent gone (killed, crashed) without a `stop`: stop anyway, so that no node outlives it.
process.once('disconnect', () => {
  if (node.status === 'started') Promise.resolve(node.stop()).catch(() => {})
})
const port = (server?.address() as { port: number } | null | undefined)?.port
toParent({ type: 'ready', peerId: self, addr: port != null ? `/ip4/127.0.0.1/tcp/${port}` : node.getMultiaddrs()[0]!.toString() })
