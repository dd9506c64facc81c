/**
 * Wire messages: zod schemas, the JSON codec with its size limits, topic names
 * and versions. Decides nothing.
 */
export { PROTOCOL_VERSION, cacheIdString, cidString, describeIssues, formatIssuePath, jsonCodec, peerIdString, timestampMs } from './codec.ts'
export type { Codec } from './codec.ts'
export {
  HEARD_DIGEST_CHARS,
  HEARTBEAT_TOPIC,
  MAX_ADDRS,
  MAX_HEARD,
  MAX_NEXT_IN_MS,
  MAX_JOBS,
  MAX_LEASES,
  MAX_STEPS_IN_HEARTBEAT,
  NODE_RECORD_SIGNATURE_PREFIX,
  heartbeatCodec,
  nodeRecordBytes,
  nodeRecordSchema,
  recordOf,
  recordSignatureString
} from './messages/heartbeat.ts'
export type { Capabilities, Capacity, Heartbeat, HeldLease, KnownJob, Load, NodeRecord, SignedHeartbeat, StepProgress } from './messages/heartbeat.ts'
export { JOBS_TOPIC, JOB_STATES, MAX_ATTESTATIONS, MAX_ERROR_TAIL_CHARS, MAX_FAILURES_PER_MESSAGE, MAX_KNOWN_JOBS, MAX_LOST_INPUTS, attestationSchema, submitCodec, updatesCodec } from './messages/jobs.ts'
export type { Attestation, JobCancelledMessage, JobSubmittedMessage, LostInput, StepCompletedMessage, StepFailedMessage, UpdatesMessage } from './messages/jobs.ts'
export { LEASE_TOPIC, MAX_LEASES_PER_MESSAGE, leaseCodec } from './messages/lease.ts'
export type { LeaseMessage, LeaseReleaseMessage, LeaseStateMessage } from './messages/lease.ts'
export { resultsCodec } from './messages/results.ts'
export type { ResultReadyMessage } from './messages/results.ts'
export { TOPIC_DEFAULTS } from './topics.ts'
export { failureStatement, resultStatement, signStatement, verifyStatement } from './attestations.ts'
