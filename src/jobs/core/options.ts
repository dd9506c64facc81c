import { resolveLeaseOptions } from '../../lease/index.ts'
import type { LeaseInit, LeaseOptions } from '../../lease/index.ts'
import { CoordinatorOptionsError } from '../errors.ts'
import type { PeerId } from './types.ts'

export interface CoordinatorInit extends LeaseInit {
  /**
   * How many distinct members must report the same CID for a step before its
   * result counts (never more than the live members able to run it). 2: every
   * result is confirmed by a second node re-running the step, so no single
   * member decides an output. 1: one member's word suffices.
   * @default 1
   */
  confirmations?: number
  /** Members whose word suffices for a result (the operator's own machines). */
  trustedProducers?: readonly PeerId[]
  /** Members that may cancel any job; otherwise only its submitter may. */
  operators?: readonly PeerId[]
  /**
   * Jobs kept at most, running and finished: the oldest finished ones are
   * forgotten first; with only running jobs left, new ones are refused.
   * @default 2000
   */
  maxJobs?: number
  /**
   * Running jobs one submitter may have at once; more are refused (a flood
   * from one member must not crowd out the others).
   * @default 64
   */
  maxRunningPerSubmitter?: number
  /** This node's peer id. */
  self: PeerId
  /** How many steps this node runs at once. */
  slots: number
  /** What this node can run (encoders, features). */
  capabilities: readonly string[]
  /**
   * A step that failed this many times fails its jobs.
   * @default 3
   */
  maxAttempts?: number
  /**
   * The first retry waits this long after a failure; each further one twice as long.
   * @default 1000
   */
  retryBackoffMs?: number
  /** @default 30000 */
  retryMaxDelayMs?: number
  /**
   * A cache lookup not answered by then counts as a miss.
   * @default 1000
   */
  cacheLookupTimeoutMs?: number
  /**
   * How many nodes pin a job's final output (the top-ranked live nodes for its CID).
   * @default 2
   */
  replication?: number
  /**
   * How long to wait before asking again for a job a peer's heartbeat mentioned.
   * @default 5000
   */
  jobFetchRetryMs?: number
  /**
   * Finished jobs (and cancellation tombstones) are forgotten after this long.
   * @default 3600000
   */
  finishedJobRetentionMs?: number
  /**
   * Leases of cache ids no job needs are forgotten after this much silence.
   * @default 600000
   */
  leaseIdleRetentionMs?: number
}

export const DEFAULT_CONFIRMATIONS = 1
export const DEFAULT_MAX_JOBS = 2000
export const DEFAULT_MAX_RUNNING_PER_SUBMITTER = 64
/** A result's attestations travel in one message: at most MAX_ATTESTATIONS of them. */
export const MAX_CONFIRMATIONS = 8
export const DEFAULT_MAX_ATTEMPTS = 3
export const DEFAULT_RETRY_BACKOFF_MS = 1000
export const DEFAULT_RETRY_MAX_DELAY_MS = 30_000
export const DEFAULT_CACHE_LOOKUP_TIMEOUT_MS = 1000
export const DEFAULT_REPLICATION = 2
export const DEFAULT_JOB_FETCH_RETRY_MS = 5000
export const DEFAULT_FINISHED_JOB_RETENTION_MS = 3_600_000
export const DEFAULT_LEASE_IDLE_RETENTION_MS = 600_000
/** The config's `trust:` section, under its key names (config/default.yaml holds the same values). */
export const TRUST_DEFAULTS = {
  confirmations: 2,
  producers: [] as string[],
  operators: [] as string[]
}

/** The config's `jobs:` section, under its key names (config/default.yaml holds the same values). */
export const JOBS_DEFAULTS = {
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  retryBackoffMs: DEFAULT_RETRY_BACKOFF_MS,
  replication: DEFAULT_REPLICATION,
  cacheLookupTimeoutMs: DEFAULT_CACHE_LOOKUP_TIMEOUT_MS,
  maxJobs: DEFAULT_MAX_JOBS,
  maxRunningPerSubmitter: DEFAULT_MAX_RUNNING_PER_SUBMITTER,
  /** Nodes besides the submitter that keep each input of a job (src/jobs/service/input-copies.ts). */
  inputCopies: 1
}

/** How often forgotten state is swept. */
export const GC_INTERVAL_MS = 60_000
/**
 * An input that arrives this long after the time the coordinator asked to run
 * again finds the event loop late (a busy machine): claims and starts then wait.
 */
export const LAG_THRESHOLD_MS = 5
/** Late wake-ups in a row that defer a decision; the next one decides. */
export const MAX_LAG_DEFERRALS = 3

export interface CoordinatorOptions {
  readonly self: PeerId
  readonly confirmations: number
  readonly maxJobs: number
  readonly maxRunningPerSubmitter: number
  readonly trustedProducers: ReadonlySet<PeerId>
  readonly operators: ReadonlySet<PeerId>
  readonly slots: number
  readonly capabilities: ReadonlySet<string>
  readonly lease: LeaseOptions
  readonly maxAttempts: number
  readonly retryBackoffMs: number
  readonly retryMaxDelayMs: number
  readonly cacheLookupTimeoutMs: number
  readonly replication: number
  readonly jobFetchRetryMs: number
  readonly finishedJobRetentionMs: number
  readonly leaseIdleRetentionMs: number
  /** Repeated anti-entropy answers to the same claim are suppressed for this long. */
  readonly answerDedupeMs: number
}

export function resolveCoordinatorOptions (init: CoordinatorInit): CoordinatorOptions {
  const lease = resolveLeaseOptions(init)
  const o: CoordinatorOptions = {
    self: init.self,
    confirmations: init.confirmations ?? DEFAULT_CONFIRMATIONS,
    maxJobs: init.maxJobs ?? DEFAULT_MAX_JOBS,
    maxRunningPerSubmitter: init.maxRunningPerSubmitter ?? DEFAULT_MAX_RUNNING_PER_SUBMITTER,
    trustedProducers: new Set(init.trustedProducers ?? []),
    operators: new Set(init.operators ?? []),
    slots: init.slots,
    capabilities: new Set(init.capabilities),
    lease,
    maxAttempts: init.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryBackoffMs: init.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS,
    retryMaxDelayMs: init.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS,
    cacheLookupTimeoutMs: init.cacheLookupTimeoutMs ?? DEFAULT_CACHE_LOOKUP_TIMEOUT_MS,
    replication: init.replication ?? DEFAULT_REPLICATION,
    jobFetchRetryMs: init.jobFetchRetryMs ?? DEFAULT_JOB_FETCH_RETRY_MS,
    finishedJobRetentionMs: init.finishedJobRetentionMs ?? DEFAULT_FINISHED_JOB_RETENTION_MS,
    leaseIdleRetentionMs: init.leaseIdleRetentionMs ?? DEFAULT_LEASE_IDLE_RETENTION_MS,
    answerDedupeMs: Math.max(1, Math.floor(lease.renewIntervalMs / 2))
  }
  const problems: string[] = []
  if (typeof o.self !== 'string' || o.self === '') problems.push('self must be a peer id')
  if (!Number.isInteger(o.slots) || o.slots < 0) problems.push(`slots must be a non-negative integer (got ${String(o.slots)})`)
  if (!Number.isInteger(o.confirmations) || o.confirmations < 1 || o.confirmations > MAX_CONFIRMATIONS) problems.push(`confirmations must be an integer from 1 to ${MAX_CONFIRMATIONS} (got ${String(o.confirmations)})`)
  if (!Number.isInteger(o.maxJobs) || o.maxJobs < 1) problems.push(`maxJobs must be a positive integer (got ${String(o.maxJobs)})`)
  if (!Number.isInteger(o.maxRunningPerSubmitter) || o.maxRunningPerSubmitter < 1) problems.push(`maxRunningPerSubmitter must be a positive integer (got ${String(o.maxRunningPerSubmitter)})`)
  if (!Number.isInteger(o.maxAttempts) || o.maxAttempts < 1) problems.push(`maxAttempts must be a positive integer (got ${String(o.maxAttempts)})`)
  if (!Number.isInteger(o.replication) || o.replication < 1) problems.push(`replication must be a positive integer (got ${String(o.replication)})`)
  for (const key of ['retryBackoffMs', 'retryMaxDelayMs', 'cacheLookupTimeoutMs', 'jobFetchRetryMs', 'finishedJobRetentionMs', 'leaseIdleRetentionMs'] as const) {
    if (!Number.isFinite(o[key]) || o[key] < 0) problems.push(`${key} must be a non-negative number (got ${String(o[key])})`)
  }
  if (problems.length > 0) throw new CoordinatorOptionsError(`invalid coordinator options: ${problems.join('; ')}`)
  return o
}

/** The wait before the next attempt after `failures` failures. */
export function retryDelay (options: CoordinatorOptions, failures: number): number {
  if (failures <= 0) return 0
  return Math.min(options.retryMaxDelayMs, options.retryBackoffMs * 2 ** (failures - 1))
}
