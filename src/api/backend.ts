import type { Scheduler } from '../lifecycle/index.ts'
import type { Registry } from 'prom-client'
import type { Logger } from '../log.ts'
import type { AbortOptions, ContentStore } from '../store/index.ts'
import type { ApiEvent, JobDetail, JobState, JobSubmitRequest, JobSummary, NodeIdentity, NodeStatus, PeerEntry, PlanDescriptionJson, StepLogJson, UiInfo } from './schemas.ts'

/**
 * What the status socket needs from the daemon, one narrow interface per group
 * of routes (moby's routers each depend on a small `Backend`). The daemon
 * implements them over its services; tests implement them over real parts in a
 * temp home. Every method may throw an ArtdagError: its kind picks the status.
 */

/** `GET /v1/id`, `GET /v1/status`. */
export interface SystemBackend {
  identity: (options?: AbortOptions) => Promise<NodeIdentity>
  /** The server adds `uptimeMs` (from `startedAt`), `home` and `socket`. */
  status: (options?: AbortOptions) => Promise<NodeStatus>
}

/** `GET /v1/peers`. */
export interface PeersBackend {
  /** Every peer the membership view or the registry knows, this node included (`self: true`). */
  peers: (options?: AbortOptions) => Promise<PeerEntry[]>
}

export type EventListener = (event: ApiEvent) => void

/** `GET /v1/events`. */
export interface EventsBackend {
  /**
   * Calls `listener` synchronously for every event from now on, until the
   * returned function is called. The listener never throws and never blocks:
   * the server buffers per client and drops for slow readers.
   */
  subscribe: (listener: EventListener) => () => void
}

/** `/v1/jobs` (issue 4). */
export interface JobsBackend {
  /** Validates the recipe and inputs (InvalidArgumentError naming the node and field), announces the job, returns it queued. */
  submit: (request: JobSubmitRequest, options?: AbortOptions) => Promise<JobSummary>
  list: (filter: { state?: JobState }, options?: AbortOptions) => Promise<JobSummary[]>
  /** NotFoundError when no job has this id. */
  get: (id: string, options?: AbortOptions) => Promise<JobDetail>
  /** NotFoundError when unknown; a finished job is returned unchanged. */
  cancel: (id: string, options?: AbortOptions) => Promise<JobSummary>
  /** Plans without running: the steps and which are cached (local index, then DHT). */
  plan: (request: JobSubmitRequest, options?: AbortOptions) => Promise<PlanDescriptionJson>
}

/** `GET /v1/ui`: the dashboard's address and token. */
export interface UiBackend {
  /** FeatureUnavailableError when the dashboard is off or could not listen (the message says why). */
  info: (options?: AbortOptions) => Promise<UiInfo>
  /** The dashboard path that reads `cid` with its ticket instead of the token. */
  contentPath: (cid: string, options?: AbortOptions) => Promise<string>
}

/** `GET /v1/steps/:cacheId/log`: where this node keeps the log of a step's last run here. */
export interface StepLogsBackend {
  get: (cacheId: string, options?: AbortOptions) => Promise<StepLogJson | undefined>
}

/** Everything the server is given: only what its routes use. */
export interface ApiComponents {
  system: SystemBackend
  peers: PeersBackend
  /** `/v1/content`, `/v1/pins`, `/v1/gc`. */
  content: ContentStore
  /** Absent: `/v1/steps/:cacheId/log` answers 404 for every step. */
  stepLogs?: StepLogsBackend | undefined
  events: EventsBackend
  /** Absent until the daemon runs jobs: `/v1/jobs` then answers 503. */
  jobs?: JobsBackend
  /** Absent when the daemon serves no dashboard: `/v1/ui` then answers 503. */
  ui?: UiBackend
  /** The daemon's metrics; served at `/metrics` with the process and request metrics. */
  metrics: Registry
  logger: Logger
  /** Timers (the stop grace). @default systemScheduler */
  scheduler?: Scheduler | undefined
}
