/**
 * The daemon's glue (src/daemon.ts wires it): socket backends, the event bus,
 * the gc schedule, this node's state for heartbeats, the command-line flags.
 */
export { peersBackend, systemBackend } from './backends.ts'
export { EventBus } from './event-bus.ts'
export { overridesFromFlags } from './flags.ts'
export type { DaemonFlags } from './flags.ts'
export { GcScheduler } from './gc-scheduler.ts'
export { localNodeState } from './node-state.ts'
export { GC_DEFAULTS } from './gc-scheduler.ts'
export { JobProgress } from './job-progress.ts'
export { StepProgressEvents } from './progress-events.ts'
export { withTranscodeExpansion } from './transcode-jobs.ts'
