/**
 * The wire's topic names and size limits, with no schema: the job coordinator
 * needs these numbers, not the messages' zod schemas (messages/*.ts build those,
 * and re-export these beside them).
 */

export const JOBS_TOPIC = 'artdag/v1/jobs'
export const LEASE_TOPIC = 'artdag/v1/leases'

/** The last lines of ffmpeg's stderr, kept in the job state when a step fails. */
export const MAX_ERROR_TAIL_CHARS = 4000
/** Attestations one result carries (messages/jobs.ts). */
export const MAX_ATTESTATIONS = 8
/** Failures one `step.failed` carries. */
export const MAX_FAILURES_PER_MESSAGE = 32
/** Lost inputs one `step.failed` names. */
export const MAX_LOST_INPUTS = 32
export const JOB_STATES = ['running', 'completed', 'failed', 'cancelled'] as const
/** Jobs one node's heartbeat names. */
export const MAX_KNOWN_JOBS = 128
/** Leases one message carries. */
export const MAX_LEASES_PER_MESSAGE = 256
