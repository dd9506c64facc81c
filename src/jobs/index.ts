export { StepCoordinator } from './core/coordinator.ts'
export type { CoordinatorMessage, CoordinatorOutput, Effect, AbortReason, JobResult, LookupScope } from './core/effects.ts'
export type { CoordinatorEvent, StepEvent, JobEvent, PauseEvent, MismatchEvent } from './core/events.ts'
export type { CoordinatorMetrics } from './core/metrics.ts'
export {
  JOBS_DEFAULTS,
  TRUST_DEFAULTS,
  resolveCoordinatorOptions,
  retryDelay,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_BACKOFF_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  DEFAULT_CACHE_LOOKUP_TIMEOUT_MS,
  DEFAULT_REPLICATION,
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
export { CoordinatorDriver, RoundTripMonitor, DEFAULT_ROUND_TRIP_INTERVAL_MS } from './driver/index.ts'
export type { CoordinatorDriverComponents, DriverPorts, PingPort } from './driver/index.ts'
export { JobService } from './service/job-service.ts'
export type { JobServiceComponents, JobServiceInit } from './service/job-service.ts'
export { JobSpecInvalidError, SnapshotInvalidError, CoordinatorOptionsError, JobNotFoundError, NoExecutorError, StepInputMissingError, StepNotInPlanError } from './errors.ts'
export type * from './core/types.ts'
