export { StepCoordinator } from './core/coordinator.ts'
export type { CoordinatorMessage, CoordinatorOutput, Effect, AbortReason, JobResult } from './core/effects.ts'
export type { CoordinatorEvent, StepEvent, JobEvent, PauseEvent } from './core/events.ts'
export type { CoordinatorMetrics } from './core/metrics.ts'
export {
  resolveCoordinatorOptions,
  retryDelay,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_BASE_DELAY_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  DEFAULT_LOOKUP_TIMEOUT_MS,
  DEFAULT_PIN_REPLICAS,
  DEFAULT_JOB_FETCH_RETRY_MS,
  DEFAULT_FINISHED_JOB_RETENTION_MS,
  DEFAULT_LEASE_IDLE_RETENTION_MS
} from './core/options.ts'
export type { CoordinatorInit, CoordinatorOptions } from './core/options.ts'
export { parseSnapshot, snapshotSchema, SNAPSHOT_VERSION } from './core/snapshot.ts'
export type { CoordinatorSnapshot } from './core/snapshot.ts'
export type { JobStatus, StepStatus } from './core/status.ts'
export { checkJobSpec } from './core/job-spec.ts'
export type { CheckedJob, CheckedStep } from './core/job-spec.ts'
export { selectPinners } from './core/pinning.ts'
export { JobSpecInvalidError, SnapshotInvalidError, CoordinatorOptionsError } from './errors.ts'
export type * from './core/types.ts'
