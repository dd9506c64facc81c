#!/usr/bin/env node
/**
 * Submits a job to an artdag cluster from a bare libp2p node: no artdag
 * daemon, no IPFS node, only libp2p with the cluster's swarm key, speaking the
 * wire protocol of docs/PROTOCOL.md. `artdag submit` is a convenience over
 * exactly this.
 *
 *   node scripts/submit-bare.ts --swarm-key ~/.artdag/swarm.key \
 *     --bootstrap /ip4/10.0.0.2/tcp/4101 examples/teaser.yaml [--input name=CID …] [--wait]
 *
 * 1. Join: dial a member (the pre-shared key lets us in), subscribe to the topics.
 * 2. Become a member: publish one heartbeat (0 slots: this node runs nothing), with our
 *    signature over its node record. Daemons take topic messages only from peers that have
 *    sent a valid heartbeat.
 * 3. Publish `job_submitted`: the job document (recipe, input CIDs, submitter,
 *    time, nonce) with its id, the CID of its DAG-JSON encoding.
 * 4. With --wait: print `step_completed` / `step_failed` / `result_ready` for the job.
 *
 * Inputs must already be in the cluster (CIDs): a bare node has no blockstore to serve files from.
 */
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import * as dagJson from '@ipld/dag-json'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { toString as toText } from 'uint8arrays/to-string'
import { parse as parseYaml } from 'yaml'
import { createPubSub } from '../src/node/gossipsub.ts'

const TOPICS = {
  heartbeat: 'artdag/v1/nodes/heartbeat',
  submit: 'artdag/v1/jobs/submit',
  updates: 'artdag/v1/jobs/updates',
  results: 'artdag/v1/results/ready'
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'swarm-key': { type: 'string' },
    bootstrap: { type: 'string' },
    input: { type: 'string', multiple: true, default: [] },
    wait: { type: 'boolean', default: false },
    'timeout-ms': { type: 'string', default: '600000' }
  }
})
const recipeFile = positionals[0]
if (values['swarm-key'] == null || values.bootstrap == null || recipeFile == null) {
  console.error('usage: node scripts/submit-bare.ts --swarm-key FILE --bootstrap MULTIADDR RECIPE [--input name=CID …] [--wait]')
  process.exit(2)
}

const recipe = parseYaml(await readFile(recipeFile, 'utf8')) as { inputs?: Record<string, string> }
const inputs: Record<string, string> = { ...recipe.inputs }
for (const flag of values.input) {
  const [name, cid] = flag.split('=')
  if (name == null || cid == null) throw new Error(`--input ${flag}: expected name=CID`)
  inputs[name] = cid
}
for (const [name, cid] of Object.entries(inputs)) {
  try {
    CID.parse(cid)
  } catch {
    throw new Error(`input ${name}: "${cid}" is not a CID (a bare node cannot upload files; add them with artdag add first)`)
  }
}

const privateKey = await generateKeyPair('Ed25519')
const node = await createLibp2p({
  privateKey,
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionProtector: preSharedKey({ psk: await readFile(values['swarm-key']) }),
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), pubsub: createPubSub() }
})
const pubsub = node.services.pubsub
const self = node.peerId.toString()
const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

try {
  await node.dial(multiaddr(values.bootstrap), { signal: AbortSignal.timeout(10_000) })
  for (const topic of Object.values(TOPICS)) pubsub.subscribe(topic)
  // Gossipsub delivers only to peers that have seen our subscriptions: wait until a member listens.
  const deadline = Date.now() + 10_000
  while (pubsub.getSubscribers(TOPICS.submit).length === 0) {
    if (Date.now() > deadline) throw new Error('no artdag member subscribed to the submit topic')
    await new Promise(resolve => setTimeout(resolve, 50))
  }

  const heartbeat = async (): Promise<Uint8Array> => {
    const now = Date.now()
    // The node record: what registries keep of a member, signed by the member itself over
    // "artdag-node-record:" followed by the record's DAG-JSON encoding (docs/PROTOCOL.md).
    const record = {
      peerId: self,
      addrs: node.getMultiaddrs().map(a => a.decapsulateCode(421).toString()),
      version: 'bare-0.1.0',
      seq: now,
      sentAt: now,
      capacity: { slots: 0, cores: 0, freeDiskBytes: 0 },
      capabilities: { ffmpegVersion: null, encoders: [] }
    }
    const signed = new Uint8Array([...new TextEncoder().encode('artdag-node-record:'), ...dagJson.encode(record)])
    const signature = toText(await privateKey.sign(signed), 'base64url')
    return json({ v: 1, type: 'heartbeat', ...record, load: { runningSteps: 0, loadAverage: 0 }, leases: [], jobs: [], signature })
  }

  const doc = { v: 1, kind: 'artdag/job', recipe: { ...recipe, inputs }, inputs, submitter: self, submittedAt: Date.now(), nonce: randomUUID() }
  const jobId = CID.createV1(dagJson.code, await sha256.digest(dagJson.encode(doc))).toString()
  let acknowledged = false
  const finished = new Promise<number>(resolve => {
    pubsub.addEventListener('message', event => {
      // oxlint-disable-next-line typescript/no-explicit-any -- JSON of any shape, read field by field
      const msg = JSON.parse(new TextDecoder().decode(event.detail.data)) as Record<string, any>
      // A member's heartbeat that lists the job: the cluster has it.
      if (msg.type === 'heartbeat' && Array.isArray(msg.jobs) && msg.jobs.some((j: { jobId: string }) => j.jobId === jobId)) acknowledged = true
      if (msg.jobId !== jobId) return
      acknowledged = true
      if (msg.type === 'step_completed') console.error(`step ${msg.stepId} ${msg.cached === true ? 'cached' : 'completed'} on ${msg.holder}: ${msg.cid}`)
      if (msg.type === 'step_failed') console.error(`step ${msg.stepId} failed on ${msg.holder} (attempt ${String(msg.attempt)}): ${String(msg.errorTail).split('\n').at(-1) ?? ''}`)
      if (msg.type === 'result_ready') {
        console.log(JSON.stringify({ jobId, output: msg.output, provenance: msg.provenance, pinnedBy: msg.pinnedBy }))
        resolve(0)
      }
      if (msg.type === 'job_cancelled') resolve(1)
    })
  })
  // Pubsub is best effort, and a job from a peer not yet known as a member is ignored: send the
  // heartbeat, then the job, again until the cluster shows it has the job (a job is idempotent by id).
  const submitted = json({ v: 1, type: 'job_submitted', jobId, recipe: doc.recipe, inputs, submitter: self, submittedAt: doc.submittedAt, nonce: doc.nonce })
  for (let attempt = 0; !acknowledged; attempt++) {
    if (attempt === 10) throw new Error('the cluster did not acknowledge the job')
    await pubsub.publish(TOPICS.heartbeat, await heartbeat())
    await new Promise(resolve => setTimeout(resolve, 100))
    await pubsub.publish(TOPICS.submit, submitted)
    const until = Date.now() + 3000
    while (!acknowledged && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 50))
  }
  console.error(`submitted job ${jobId}`)
  if (!values.wait) {
    console.log(JSON.stringify({ jobId }))
  } else {
    const timeout = new Promise<number>(resolve =>
      setTimeout(() => {
        console.error('timed out waiting for the result')
        resolve(1)
      }, Number(values['timeout-ms'])).unref()
    )
    process.exitCode = await Promise.race([finished, timeout])
  }
} finally {
  await node.stop()
}
