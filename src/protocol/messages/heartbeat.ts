import * as dagJson from '@ipld/dag-json'
import { z } from 'zod'
import { cacheIdString, jsonCodec, peerIdString, PROTOCOL_VERSION, timestampMs } from '../codec.ts'
import { knownJobsSchema, MAX_KNOWN_JOBS } from './jobs.ts'
import { heldLeasesSchema, MAX_LEASES_PER_MESSAGE } from './lease.ts'
import { defined } from '../../defined.ts'

/**
 * The heartbeat: every node publishes one every `membership.heartbeatIntervalMs`
 * on the heartbeat topic. It is the authoritative sign of life, and it carries
 * what the scheduler needs to know about a node (capacity, load, capabilities,
 * the leases it holds, the jobs it knows). Its stable part, the node record,
 * is what the IPNS registry keeps about a member.
 */
export const HEARTBEAT_TOPIC = 'artdag/v1/nodes/heartbeat'

/** Worst case of the list caps below is ~75 KiB, so a schema-valid heartbeat always fits. */
export const HEARTBEAT_MAX_BYTES = 128 * 1024

export const MAX_ADDRS = 32
export const MAX_ENCODERS = 256
/** The lease and job lists are the lease and jobs protocols' own (src/protocol/messages/lease.ts, jobs.ts). */
export const MAX_LEASES = MAX_LEASES_PER_MESSAGE
export const MAX_JOBS = MAX_KNOWN_JOBS
/** Authors listed in `heard` at most (a cluster of up to this many members lists them all). */
export const MAX_HEARD = 128
/** Characters of a `heard` digest: 66 bits of SHA-256, base64url (see src/membership/core/relay.ts). */
export const HEARD_DIGEST_CHARS = 11
/** The largest `nextInMs` a heartbeat may carry (receivers cap what they wait for far lower). */
export const MAX_NEXT_IN_MS = 10 * 60 * 1000

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const multiaddrText = z.string().min(2).max(256).regex(/^\/[\x21-\x7e]+$/, 'not a multiaddr')

export const capacitySchema = z.object({
  /** How many steps this node runs at once. */
  slots: count,
  cores: count,
  freeDiskBytes: count
})

/** Running steps listed in a heartbeat at most; more still count in `runningSteps`. */
export const MAX_STEPS_IN_HEARTBEAT = 64

/** A step this node runs, with how far ffmpeg says it is: dashboards show progress and an ETA from it. */
export const stepProgressSchema = z.object({
  cacheId: cacheIdString,
  /** When it started, the sender's wall clock. */
  startedAt: timestampMs,
  /** 0..1, or null while ffmpeg has not said (it needs the duration). */
  progress: z.number().min(0).max(1).nullable()
})

export const loadSchema = z.object({
  runningSteps: count,
  /** The 1-minute load average. */
  loadAverage: z.number().nonnegative().finite(),
  /** Optional: nodes before it send none, and readers take its absence as "unknown". */
  steps: z.array(stepProgressSchema).max(MAX_STEPS_IN_HEARTBEAT).optional()
})

export const capabilitiesSchema = z.object({
  /** `null` when this node has no working ffmpeg. */
  ffmpegVersion: z.string().min(1).max(128).nullable(),
  /**
   * The node's `exec.threads` (0: the default, encoders on a fixed count). Output bytes depend on
   * the ffmpeg build and the encoder thread count: nodes that differ in either are an executor split.
   */
  threads: z.number().int().nonnegative().max(256).optional(),
  encoders: z.array(z.string().min(1).max(64)).max(MAX_ENCODERS)
})

/** What a node says about itself that stays true between heartbeats: kept in the registry. */
export const nodeRecordSchema = z.object({
  peerId: peerIdString,
  /** Multiaddrs the node can be dialled on, without `/p2p/<id>`. */
  addrs: z.array(multiaddrText).max(MAX_ADDRS),
  /** The artdag version the node runs. */
  version: z.string().min(1).max(64),
  /**
   * Increases with every heartbeat, across restarts: the sender's wall clock in
   * milliseconds, bumped when the clock has not moved past the last value.
   * Between two records of one node, the higher `seq` is the newer.
   */
  seq: count,
  /** The sender's wall clock when it sent the heartbeat, milliseconds since the epoch. */
  sentAt: timestampMs,
  capacity: capacitySchema,
  capabilities: capabilitiesSchema
})

/**
 * A node's signature over its own node record (`nodeRecordBytes`), base64url without padding:
 * what makes a record relayed by others (in registry documents) authoritative. Ed25519: 86 characters.
 */
export const recordSignatureString = z.string().regex(/^[A-Za-z0-9_-]{16,1024}$/, 'not a base64url signature')

/** What a node builds before signing: the record and its live state. */
export const heartbeatBodySchema = nodeRecordSchema.extend({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal('heartbeat'),
  load: loadSchema,
  /** The step leases this node holds (cache id, epoch): the lease protocol's sightings. */
  leases: heldLeasesSchema,
  /** The jobs this node knows (job id, state), so peers fetch jobs they missed and learn how they ended. */
  jobs: knownJobsSchema,
  /**
   * Optional (nodes before it send none, and relays then forward every heartbeat to them, as
   * before): the authors whose heartbeats reached this node straight from the author (gossipsub's
   * propagation source was the author) within the last 1.5 heartbeat intervals, as 11-character
   * digests (`heardDigest`: the first 11 characters of the base64url SHA-256 of
   * `"artdag-heard:" + peerId`). A relay does not forward an author's lease-free heartbeat to a peer that lists
   * it. Live state like `load`: not part of the signed node record. docs/PROTOCOL.md "Heartbeat
   * forwarding".
   */
  heard: z.array(z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${HEARD_DIGEST_CHARS}}$`), 'not a heard digest')).max(MAX_HEARD).optional(),
  /**
   * Optional (nodes before it send none, and receivers then wait for the configured interval, as
   * before): the sender's next heartbeat comes within this many milliseconds. A node with nothing
   * in flight announces a longer interval than `membership.heartbeatIntervalMs` and sends less
   * often; receivers suspect it after three announced intervals, never sooner than after their
   * own `suspectAfterMs` and never later than `MAX_INTERVAL_STRETCH` times it. Live state: not part
   * of the signed node record. docs/MEMBERSHIP.md "An idle node's slower heartbeat".
   */
  nextInMs: z.number().int().positive().max(MAX_NEXT_IN_MS).optional()
})

/** The heartbeat on the wire: the body and the sender's signature over its node record. */
export const heartbeatSchema = heartbeatBodySchema.extend({
  signature: recordSignatureString
})

export type Capacity = z.infer<typeof capacitySchema>
export type Load = z.infer<typeof loadSchema>
export type StepProgress = z.infer<typeof stepProgressSchema>
export type Capabilities = z.infer<typeof capabilitiesSchema>
export type HeldLease = Heartbeat['leases'][number]
export type KnownJob = Heartbeat['jobs'][number]
export type NodeRecord = z.infer<typeof nodeRecordSchema>
/** A heartbeat as the membership core takes it; the signature, when present, is over its node record. */
export type Heartbeat = z.infer<typeof heartbeatBodySchema> & { signature?: string }
/** A heartbeat as it travels: always signed. */
export type SignedHeartbeat = z.infer<typeof heartbeatSchema>

export const heartbeatCodec = jsonCodec('heartbeat', heartbeatSchema, HEARTBEAT_MAX_BYTES)

/** The node record inside a heartbeat (drops the live state: load, leases, jobs, and the signature). */
export function recordOf (heartbeat: NodeRecord): NodeRecord {
  const { peerId, addrs, version, seq, sentAt, capacity, capabilities } = heartbeat
  const { ffmpegVersion, threads, encoders } = capabilities
  return {
    peerId,
    addrs,
    version,
    seq,
    sentAt,
    capacity: { slots: capacity.slots, cores: capacity.cores, freeDiskBytes: capacity.freeDiskBytes },
    capabilities: { ffmpegVersion, ...defined({ threads }), encoders }
  }
}

/** Domain separation: a node record signature can never be mistaken for any other signature of the key. */
export const NODE_RECORD_SIGNATURE_PREFIX = 'artdag-node-record:'

/**
 * The bytes a node signs for its record: `"artdag-node-record:"` followed by the DAG-JSON encoding
 * (keys sorted, no whitespace) of exactly the node record's fields (`recordOf`; optional fields
 * left out when absent). Any implementation builds the same bytes from the same record.
 */
export function nodeRecordBytes (record: NodeRecord): Uint8Array {
  const body = dagJson.encode(recordOf(record))
  const prefix = new TextEncoder().encode(NODE_RECORD_SIGNATURE_PREFIX)
  const out = new Uint8Array(prefix.byteLength + body.byteLength)
  out.set(prefix, 0)
  out.set(body, prefix.byteLength)
  return out
}
