import { describe, expect, it, beforeAll } from 'vitest'
import { MessageInvalidError } from '../../../src/protocol/errors.ts'
import { verifyNodeRecord } from '../../../src/membership/core/record-signature.ts'
import { HEARTBEAT_MAX_BYTES, heartbeatCodec, MAX_ENCODERS, MAX_JOBS, MAX_LEASES, MAX_STEPS_IN_HEARTBEAT, nodeRecordBytes, recordOf } from '../../../src/protocol/messages/heartbeat.ts'
import { makeHeartbeat, makePeerIds } from './fixtures.ts'

const encoder = new TextEncoder()

describe('heartbeat message', () => {
  let peer: string, other: string
  beforeAll(async () => {
    ;[peer, other] = await makePeerIds(2) as [string, string]
  })

  it('round-trips through the codec', () => {
    const hb = makeHeartbeat(peer, 1_700_000_000_000, {
      leases: [{ cacheId: 'a'.repeat(64), epoch: 3 }],
      jobs: [{ jobId: 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea', state: 'running' }]
    })
    expect(heartbeatCodec.decode(heartbeatCodec.encode(hb))).toEqual(hb)
  })

  it('rejects a message over the size limit before parsing it', () => {
    const bytes = new Uint8Array(HEARTBEAT_MAX_BYTES + 1).fill(0x20)
    expect(() => heartbeatCodec.decode(bytes)).toThrow(/over the 131072 byte limit/)
  })

  it('names the field that is wrong', () => {
    const bad = { ...makeHeartbeat(peer, 5), capacity: { slots: -1, cores: 2, freeDiskBytes: 0 } }
    expect(() => heartbeatCodec.decode(encoder.encode(JSON.stringify(bad)))).toThrow(/capacity\.slots/)
  })

  it('rejects another protocol version, non-JSON and a bad peer id', () => {
    const other = { ...makeHeartbeat(peer, 5), v: 2 }
    expect(() => heartbeatCodec.decode(encoder.encode(JSON.stringify(other)))).toThrow(/version 2/)
    expect(() => heartbeatCodec.decode(encoder.encode('{"v":1,'))).toThrow(MessageInvalidError)
    const badPeer = { ...makeHeartbeat(peer, 5), peerId: 'nobody' }
    expect(() => heartbeatCodec.decode(encoder.encode(JSON.stringify(badPeer)))).toThrow(/peerId: not a peer id/)
  })

  it('fits the limit when every list is at its cap', () => {
    const hb = makeHeartbeat(peer, Number.MAX_SAFE_INTEGER, {
      addrs: Array.from({ length: 32 }, (_, i) => `/dns4/${'h'.repeat(230)}${i}.example/tcp/4101`),
      capabilities: { ffmpegVersion: 'v'.repeat(128), encoders: Array.from({ length: MAX_ENCODERS }, () => 'e'.repeat(64)) },
      leases: Array.from({ length: MAX_LEASES }, () => ({ cacheId: 'f'.repeat(64), epoch: Number.MAX_SAFE_INTEGER })),
      jobs: Array.from({ length: MAX_JOBS }, () => ({ jobId: 'b'.repeat(128), state: 'completed' as const })),
      load: { runningSteps: 256, loadAverage: 1e9, steps: Array.from({ length: MAX_STEPS_IN_HEARTBEAT }, () => ({ cacheId: 'f'.repeat(64), startedAt: Number.MAX_SAFE_INTEGER, progress: 0.123456789 })) }
    })
    expect(heartbeatCodec.encode(hb).byteLength).toBeLessThanOrEqual(HEARTBEAT_MAX_BYTES)
  })

  it("carries the running steps' progress, and reads a heartbeat without them (an older node)", () => {
    const steps = [{ cacheId: 'c'.repeat(64), startedAt: 1_700_000_000_000, progress: 0.5 }, { cacheId: 'd'.repeat(64), startedAt: 1_700_000_000_001, progress: null }]
    const hb = makeHeartbeat(peer, 7, { load: { runningSteps: 2, loadAverage: 0.5, steps } })
    expect(heartbeatCodec.decode(heartbeatCodec.encode(hb)).load.steps).toEqual(steps)
    expect(heartbeatCodec.decode(heartbeatCodec.encode(makeHeartbeat(peer, 8))).load.steps).toBeUndefined()
    const tooFar = makeHeartbeat(peer, 9, { load: { runningSteps: 1, loadAverage: 0, steps: [{ cacheId: 'c'.repeat(64), startedAt: 1, progress: 1.5 }] } })
    expect(() => heartbeatCodec.decode(encoder.encode(JSON.stringify(tooFar)))).toThrow(/load\.steps/)
  })

  it('keeps the stable part as the node record', () => {
    const record = recordOf(makeHeartbeat(peer, 9, { leases: [{ cacheId: 'b'.repeat(64), epoch: 1 }] }))
    expect(record).not.toHaveProperty('leases')
    expect(record).not.toHaveProperty('load')
    expect(record).toMatchObject({ peerId: peer, seq: 9 })
  })

  it("carries the sender's signature over its node record, and refuses a heartbeat without one", () => {
    const hb = makeHeartbeat(peer, 10)
    expect(verifyNodeRecord(recordOf(hb), hb.signature)).toBe(true)
    // The live state is not signed (gossipsub signs the whole message): only the record is.
    expect(verifyNodeRecord(recordOf({ ...hb, load: { runningSteps: 9, loadAverage: 9 } } as typeof hb), hb.signature)).toBe(true)
    expect(verifyNodeRecord({ ...recordOf(hb), seq: 11 }, hb.signature)).toBe(false)
    expect(verifyNodeRecord({ ...recordOf(hb), peerId: other }, hb.signature)).toBe(false)
    expect(verifyNodeRecord(recordOf(hb), 'not-a-signature')).toBe(false)
    const { signature: _, ...unsigned } = hb
    expect(() => heartbeatCodec.decode(encoder.encode(JSON.stringify(unsigned)))).toThrow(/signature/)
  })

  it('signs the same bytes whatever order the fields come in: DAG-JSON of the record, after a fixed prefix', () => {
    const record = recordOf(makeHeartbeat(peer, 12))
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(record).reverse()))) as typeof record
    expect(nodeRecordBytes(reordered)).toEqual(nodeRecordBytes(record))
    const text = new TextDecoder().decode(nodeRecordBytes(record))
    expect(text.startsWith('artdag-node-record:{"addrs":[')).toBe(true)
    expect(text).not.toContain(' ')
  })
})
