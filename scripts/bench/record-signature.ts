#!/usr/bin/env node
/**
 * What the node record signature costs per heartbeat, next to what a heartbeat
 * already cost before it: the receiver decodes the message (JSON and its
 * schema) and gossipsub verifies the message's own Ed25519 signature; now it
 * also builds the record's bytes and verifies the record signature. The sender
 * signs once more per heartbeat. Medians of batches, in one process.
 *
 *   node scripts/bench/record-signature.ts [--batches 30] [--per-batch 200] [--peers 10]
 *
 * The projection: the CPU share one node spends on record signatures, receiving
 * from `--peers` others every membership.heartbeatIntervalMs (3 s) and signing its own.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { signNodeRecord, verifyNodeRecord } from '../../src/membership/index.ts'
import { heartbeatCodec } from '../../src/protocol/index.ts'
import type { Heartbeat } from '../../src/protocol/index.ts'
import { median } from './lib/proc.ts'
import { numberArg, printReport } from './lib/report.ts'

const batches = numberArg('batches', 30)
const perBatch = numberArg('per-batch', 200)
const peers = numberArg('peers', 10)
const heartbeatMs = 3000

const key = await generateKeyPair('Ed25519')
const body: Heartbeat = {
  v: 1,
  type: 'heartbeat',
  peerId: peerIdFromPrivateKey(key).toString(),
  addrs: ['/ip4/100.64.0.2/tcp/4101', '/ip4/192.168.1.20/tcp/4101'],
  version: '0.1.0',
  seq: Date.now(),
  sentAt: Date.now(),
  capacity: { slots: 8, cores: 8, freeDiskBytes: 500_000_000_000 },
  capabilities: { ffmpegVersion: '7.1', threads: 0, encoders: ['libx264', 'libx265', 'libvpx-vp9', 'libaom-av1', 'aac', 'libopus'] },
  load: { runningSteps: 2, loadAverage: 1.5, steps: [] },
  leases: Array.from({ length: 4 }, (_, i) => ({ cacheId: String(i).repeat(64), epoch: 1 })),
  jobs: Array.from({ length: 8 }, () => ({ jobId: 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea', state: 'running' as const }))
}
const heartbeat = { ...body, signature: await signNodeRecord(body, key) }
const bytes = heartbeatCodec.encode(heartbeat)
const messageSignature = await key.sign(bytes)

/** Microseconds per call of `fn`, as the median of `batches` batches. */
async function perCall (fn: () => unknown): Promise<number> {
  const times: number[] = []
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < perBatch; i++) await fn()
    times.push(Number(process.hrtime.bigint() - start) / 1000 / perBatch)
  }
  return median(times)
}

const decode = await perCall(() => heartbeatCodec.decode(bytes))
const messageVerify = await perCall(() => key.publicKey.verify(bytes, messageSignature))
const recordVerify = await perCall(() => {
  if (!verifyNodeRecord(heartbeat, heartbeat.signature)) throw new Error('the record signature does not verify')
})
const recordSign = await perCall(async () => await signNodeRecord(body, key))
const before = decode + messageVerify
const cpuShare = (recordVerify * peers + recordSign) / (heartbeatMs * 1000) * 100

printReport('node record signatures, per heartbeat', [
  { metric: 'receive_before', value: before, unit: 'µs', target: 'decode + gossipsub signature check' },
  { metric: 'record_verify', value: recordVerify, unit: 'µs', baseline: before, ratio: recordVerify / before },
  { metric: 'record_sign', value: recordSign, unit: 'µs' },
  { metric: 'cpu_share_projected', value: cpuShare, unit: '%', target: `${peers} peers, a heartbeat every ${heartbeatMs} ms` }
], { batches, perBatch, heartbeatBytes: bytes.byteLength, node: process.version })
