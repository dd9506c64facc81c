import type { CoordinatorEvent } from '../core/events.ts'
import type { CoordinatorMessage, JobResult, LookupScope } from '../core/effects.ts'
import type { Attestation, ExecutionRef, JobSpec, PeerId } from '../core/types.ts'

/**
 * What the coordinator's driver needs from the world, in the narrowest form.
 * The daemon plugs in libp2p, the DHT, the blockstore and ffmpeg
 * (src/jobs/service/ports/); the simulator plugs in a virtual network, DHT and
 * executor (test/sim/harness/). Answers come back through the callbacks, at
 * any later time; a port may answer synchronously only by scheduling the
 * callback (the driver queues inputs that arrive while it performs effects).
 * A port that returns a promise has it awaited by the driver's `stop()`.
 */
export interface PortOptions {
  /** Aborted when the driver stops. */
  signal: AbortSignal
}

export type Pending = Promise<unknown> | undefined

/** The lease and updates topics (best effort: a lost message is survivable). */
export interface TransportPort {
  publish: (message: CoordinatorMessage, options: PortOptions) => Pending
}

/** `cache_id → CID` records: the local index and the DHT. */
export interface CachePort {
  /**
   * Answer every cache id once, before `deadline` (the driver's clock), undefined for a miss; with
   * the attestations that make the result count (a DHT record's), none for this node's own index.
   */
  lookup: (cacheIds: readonly string[], scope: LookupScope, deadline: number, answer: (cacheId: string, cid: string | undefined, attestations?: readonly Attestation[]) => void, options: PortOptions) => Pending
  /** Records a confirmed result: the local index and a DHT record carrying its attestations. */
  put: (cacheId: string, cid: string, stepType: string, attestations: readonly Attestation[], options: PortOptions) => Pending
}

export interface ExecutionReport {
  finished: (cid: string, durationMs?: number) => void
  /** `lost`: the CIDs of inputs the run could not fetch (no node it could reach served them). */
  failed: (errorTail: string, lost?: readonly string[]) => void
}

/** Runs steps (ffmpeg). An aborted execution reports nothing. */
export interface ExecutorPort {
  start: (execution: ExecutionRef, report: ExecutionReport, options: PortOptions) => Pending
  abort: (execution: ExecutionRef, reason: string) => void
}

/** Job documents: fetch and plan one a peer mentioned. */
export interface JobSourcePort {
  fetch: (jobId: string, from: PeerId, deliver: (spec: JobSpec) => void, options: PortOptions) => Pending
}

/** What happens around the coordinator: outcomes, persistence, monitoring. */
export interface OutcomePort {
  /** A job ended here (it may come twice: failed, then completed when a hidden result turns up). */
  jobFinished: (result: JobResult, options: PortOptions) => Pending
  /** Durable state changed: save the driver's snapshot() (debounce freely). */
  persist: (options: PortOptions) => Pending
  event: (event: CoordinatorEvent) => void
}

export interface DriverPorts {
  transport: TransportPort
  cache: CachePort
  executor: ExecutorPort
  jobs: JobSourcePort
  outcomes: OutcomePort
}
