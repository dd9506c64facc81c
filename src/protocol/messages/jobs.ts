import { z } from 'zod'
import { cacheIdString, cidString, jsonCodec, peerIdString, PROTOCOL_VERSION, timestampMs } from '../codec.ts'
import { leaseEpoch, stepIdString, topicCodec } from './lease.ts'
import { JOBS_TOPIC, JOB_STATES, MAX_ATTESTATIONS, MAX_ERROR_TAIL_CHARS, MAX_FAILURES_PER_MESSAGE, MAX_KNOWN_JOBS, MAX_LOST_INPUTS } from '../limits.ts'

/**
 * Job messages on pubsub: submissions, step results and cancellations (the
 * decisions live in src/jobs; this file only describes the bytes). Authors
 * (`submitter`, `holder`, `by`) must match the signed publisher.
 * See docs/LEASES.md for when each message is sent.
 */
export { JOBS_TOPIC, JOB_STATES, MAX_ATTESTATIONS, MAX_ERROR_TAIL_CHARS, MAX_FAILURES_PER_MESSAGE, MAX_KNOWN_JOBS, MAX_LOST_INPUTS } from '../limits.ts'

const version = z.literal(PROTOCOL_VERSION)

export const errorTailString = z.string().max(MAX_ERROR_TAIL_CHARS)

/** A job: every node plans `recipe` with `inputs` into the same steps. `jobId` is the CID of this document. */
export const jobSubmittedSchema = z.object({
  v: version,
  type: z.literal('job_submitted'),
  jobId: cidString,
  /** The recipe document, as JSON. */
  recipe: z.record(z.string(), z.unknown()),
  /** Recipe input name → CID of the content. */
  inputs: z.record(z.string().min(1).max(128), cidString),
  submitter: peerIdString,
  submittedAt: timestampMs,
  /** Makes two submissions of the same recipe and inputs two jobs. */
  nonce: z.string().min(1).max(64),
  /** A name for listings; part of the document, so part of the job id. */
  label: z.string().max(200).optional(),
  /**
   * The submitter looked every step up (its index, then the DHT) just before publishing and
   * announces the hits with `step_completed`: a receiver need only check its own index. Not part
   * of the job document.
   */
  checked: z.boolean().optional()
})

/** A signature, base64 (an Ed25519 signature is 64 bytes). */
export const signatureString = z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'not a base64 Ed25519 signature')

/**
 * A member's statement "I ran `cacheId` under my lease at `epoch` and it gave
 * `cid`", signed with the member's own key over
 * `artdag-result:v1 ‖ 0x00 ‖ cacheId ‖ 0x00 ‖ cid ‖ 0x00 ‖ epoch` (attestations.ts).
 * Anyone may re-send it; nobody can make one for another member. A result
 * counts once enough distinct members attest the same CID (config
 * `trust.confirmations`), or one trusted producer does (`trust.producers`).
 */
export const attestationSchema = z.object({ peer: peerIdString, epoch: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), sig: signatureString.optional() })

/** "The step `cacheId` gives `cid`": sent by the node that ran it, found it in a cache, or answers a claim with it. */
export const stepCompletedSchema = z.object({
  v: version,
  type: z.literal('step_completed'),
  jobId: cidString,
  stepId: stepIdString,
  cacheId: cacheIdString,
  cid: cidString,
  /** The lease epoch it ran under (0 for a cache hit found before any claim). */
  epoch: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** The node that produced the result (or found it in a cache). */
  holder: peerIdString,
  /** The node that published this copy, when it answers a claim on behalf of `holder`. */
  sender: peerIdString,
  cached: z.boolean(),
  /** Who ran it and got `cid` (signed statements); `holder` is the first of them. */
  attestations: z.array(attestationSchema).min(1).max(MAX_ATTESTATIONS),
  durationMs: z.number().nonnegative().optional(),
  sentAt: timestampMs
})

/**
 * One failed attempt at a step, signed by the node that failed over
 * `artdag-failed:v1 ‖ 0x00 ‖ cacheId ‖ 0x00 ‖ epoch`: a member can report its
 * own failures, never invent another's.
 */
export const stepFailureSchema = z.object({ holder: peerIdString, epoch: leaseEpoch, sig: signatureString.optional() })

/**
 * The inputs a run could not fetch: the steps they are the outputs of, with the CIDs it asked
 * for. A failure that names them says "no node I could reach served these", not "this step
 * fails" (docs/LEASES.md, "An output lost with its producer").
 */
export const lostInputSchema = z.object({ cacheId: cacheIdString, cid: cidString })

/** "The step failed on `holder` at `epoch`", with every failure the sender knows of (anti-entropy). */
export const stepFailedSchema = z.object({
  v: version,
  type: z.literal('step_failed'),
  jobId: cidString,
  stepId: stepIdString,
  cacheId: cacheIdString,
  epoch: leaseEpoch,
  holder: peerIdString,
  sender: peerIdString,
  /** Failures of this cache id known to the sender, this one included. */
  attempt: z.number().int().min(1),
  failures: z.array(stepFailureSchema).min(1).max(MAX_FAILURES_PER_MESSAGE),
  errorTail: errorTailString,
  /**
   * The failure at `holder`/`epoch` was that these inputs could not be fetched. Nodes that predate
   * the field ignore it (an ordinary failure to them); a node that knows it counts no attempt
   * unless a holder of the input is still alive.
   */
  lost: z.array(lostInputSchema).min(1).max(MAX_LOST_INPUTS).optional(),
  sentAt: timestampMs
})

/** "Stop job `jobId` everywhere." */
export const jobCancelledSchema = z.object({
  v: version,
  type: z.literal('job_cancelled'),
  jobId: cidString,
  by: peerIdString,
  reason: z.string().max(256).optional(),
  sentAt: timestampMs
})

/** A job a node knows and its state; for a completed job, the output CID it keeps (nodes compare them). */
export const knownJobSchema = z.object({ jobId: cidString, state: z.enum(JOB_STATES), output: cidString.optional() })
/** The jobs a node knows (live and recently cancelled): membership embeds it in every heartbeat. */
export const knownJobsSchema = z.array(knownJobSchema).max(MAX_KNOWN_JOBS)

export const jobsMessageSchema = z.discriminatedUnion('type', [jobSubmittedSchema, stepCompletedSchema, stepFailedSchema, jobCancelledSchema])

export type JobSubmittedMessage = z.infer<typeof jobSubmittedSchema>
export type StepCompletedMessage = z.infer<typeof stepCompletedSchema>
export type Attestation = z.infer<typeof attestationSchema>
export type StepFailedMessage = z.infer<typeof stepFailedSchema>
export type LostInput = z.infer<typeof lostInputSchema>
export type JobCancelledMessage = z.infer<typeof jobCancelledSchema>
export type JobsMessage = z.infer<typeof jobsMessageSchema>
export type KnownJob = z.infer<typeof knownJobSchema>

export const JOB_SUBMITTED_MAX_BYTES = 512 * 1024
export const STEP_COMPLETED_MAX_BYTES = 4096
export const STEP_FAILED_MAX_BYTES = 16 * 1024
export const JOB_CANCELLED_MAX_BYTES = 1024
export const JOBS_TOPIC_MAX_BYTES = JOB_SUBMITTED_MAX_BYTES

export const jobSubmittedCodec = jsonCodec('job_submitted', jobSubmittedSchema, JOB_SUBMITTED_MAX_BYTES)
export const stepCompletedCodec = jsonCodec('step_completed', stepCompletedSchema, STEP_COMPLETED_MAX_BYTES)
export const stepFailedCodec = jsonCodec('step_failed', stepFailedSchema, STEP_FAILED_MAX_BYTES)
export const jobCancelledCodec = jsonCodec('job_cancelled', jobCancelledSchema, JOB_CANCELLED_MAX_BYTES)
/** Encodes and decodes any message on JOBS_TOPIC. */
export const jobsCodec = topicCodec(JOBS_TOPIC, jsonCodec('jobs', jobsMessageSchema, JOBS_TOPIC_MAX_BYTES), {
  job_submitted: JOB_SUBMITTED_MAX_BYTES,
  step_completed: STEP_COMPLETED_MAX_BYTES,
  step_failed: STEP_FAILED_MAX_BYTES,
  job_cancelled: JOB_CANCELLED_MAX_BYTES
})

/**
 * The daemon spreads these messages over two topics (names from config `topics.*`):
 * submissions on the submit topic, results, failures and cancellations on the
 * updates topic. Each topic has its own codec, so a message of the wrong kind
 * on a topic is malformed there.
 */
export const submitCodec = topicCodec('submit', jsonCodec('submit', z.discriminatedUnion('type', [jobSubmittedSchema]), JOB_SUBMITTED_MAX_BYTES), {
  job_submitted: JOB_SUBMITTED_MAX_BYTES
})

export const updatesMessageSchema = z.discriminatedUnion('type', [stepCompletedSchema, stepFailedSchema, jobCancelledSchema])
export type UpdatesMessage = z.infer<typeof updatesMessageSchema>

export const updatesCodec = topicCodec('updates', jsonCodec('updates', updatesMessageSchema, STEP_FAILED_MAX_BYTES), {
  step_completed: STEP_COMPLETED_MAX_BYTES,
  step_failed: STEP_FAILED_MAX_BYTES,
  job_cancelled: JOB_CANCELLED_MAX_BYTES
})
