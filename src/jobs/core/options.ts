import { resolveLeaseOptions } from '../../lease/options.ts'
import type { LeaseInit, LeaseOptions } from '../../lease/options.ts'
import { CoordinatorOptionsError } from '../errors.ts'
import type { PeerId } from './types.ts'

export interface CoordinatorInit extends LeaseInit {
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
  retryBaseDelayMs?: number
  /** @default 30000 */
  retryMaxDelayMs?: number
  /**
   * A cache lookup not answered by then counts as a miss.
   * @default 1000
   */
  lookupTimeoutMs?: number
  /**
   * How many nodes pin a job's final output (the top-ranked live nodes for its CID).
   * @default 2
   */
  pinReplicas?: number
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

export const DEFAULT_MAX_ATTEMPTS = 3
export const DEFAULT_RETRY_BASE_DELAY_MS = 1000
export const DEFAULT_RETRY_MAX_DELAY_MS = 30_000
export const DEFAULT_LOOKUP_TIMEOUT_MS = 1000
export const DEFAULT_PIN_REPLICAS = 2
export const DEFAULT_JOB_FETCH_RETRY_MS = 5000
export const DEFAULT_FINISHED_JOB_RETENTION_MS = 3_600_000
export const DEFAULT_LEASE_IDLE_RETENTION_MS = 600_000
/** How often forgotten state is swept. */
export const GC_INTERVAL_MS = 60_000
/**
 * An input that arrives this long after the time the coordinator asked to run
 * again finds the event loop late (a busy machine): claims and starts then wait.
 */
export const LAG_THRESHOLD_MS = 5

export interface CoordinatorOptions {
  readonly self: PeerId
  readonly slots: number
  readonly capabilities: ReadonlySet<string>
  readonly lease: LeaseOptions
  readonly maxAttempts: number
  readonly retryBaseDelayMs: number
  readonly retryMaxDelayMs: number
  readonly lookupTimeoutMs: number
  readonly pinReplicas: number
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
    slots: init.slots,
    capabilities: new Set(init.capabilities),
    lease,
    maxAttempts: init.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryBaseDelayMs: init.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS,
    retryMaxDelayMs: init.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS,
    lookupTimeoutMs: init.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS,
    pinReplicas: init.pinReplicas ?? DEFAULT_PIN_REPLICAS,
    jobFetchRetryMs: init.jobFetchRetryMs ?? DEFAULT_JOB_FETCH_RETRY_MS,
    finishedJobRetentionMs: init.finishedJobRetentionMs ?? DEFAULT_FINISHED_JOB_RETENTION_MS,
    leaseIdleRetentionMs: init.leaseIdleRetentionMs ?? DEFAULT_LEASE_IDLE_RETENTION_MS,
    answerDedupeMs: Math.max(1, Math.floor(lease.renewIntervalMs / 2))
  }
  const problems: string[] = []
  if (typeof o.self !== 'string' || o.self === '') problems.push('self must be a peer id')
  if (!Number.isInteger(o.slots) || o.slots < 0) problems.push(`slots must be a non-negative integer (got ${String(o.slots)})`)
  if (!Number.isInteger(o.maxAttempts) || o.maxAttempts < 1) problems.push(`maxAttempts must be a positive integer (got ${String(o.maxAttempts)})`)
  if (!Number.isInteger(o.pinReplicas) || o.pinReplicas < 1) problems.push(`pinReplicas must be a positive integer (got ${String(o.pinReplicas)})`)
  for (const key of ['retryBaseDelayMs', 'retryMaxDelayMs', 'lookupTimeoutMs', 'jobFetchRetryMs', 'finishedJobRetentionMs', 'leaseIdleRetentionMs'] as const) {
    if (!Number.isFinite(o[key]) || o[key] < 0) problems.push(`${key} must be a non-negative number (got ${String(o[key])})`)
  }
  if (problems.length > 0) throw new CoordinatorOptionsError(`invalid coordinator options: ${problems.join('; ')}`)
  return o
}

/** The wait before the next attempt after `failures` failures. */
export function retryDelay (options: CoordinatorOptions, failures: number): number {
  if (failures <= 0) return 0
  return Math.min(options.retryMaxDelayMs, options.retryBaseDelayMs * 2 ** (failures - 1))
}
