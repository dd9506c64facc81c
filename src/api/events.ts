import { z } from 'zod'

/*
 * The daemon's event stream (`GET /v1/events`, NDJSON): one discriminated union
 * of every event, shared by the daemon's event bus, the API client and any page
 * that reads the stream. docs/API.md lists them. Times are wall-clock
 * milliseconds since the epoch; durations are whole milliseconds.
 */

const time = z.number().int().nonnegative()
const ms = z.number().int().nonnegative()
const memberState = z.enum(['alive', 'suspect', 'dead'])

/** A member appeared, changed state, or was dropped (membership's events): `peer` is the member. */
const memberFields = { time, peer: z.string(), at: time }
export const memberJoinedSchema = z.looseObject({ type: z.literal('member.joined'), ...memberFields, source: z.enum(['heartbeat', 'registry']) })
export const memberStateSchema = z.looseObject({ type: z.enum(['member.alive', 'member.suspect', 'member.dead']), ...memberFields, previous: memberState.optional() })
export const memberForgottenSchema = z.looseObject({ type: z.literal('member.forgotten'), ...memberFields })

/** A heartbeat arrived (ours included): what the peer offers and carries. */
export const heartbeatEventSchema = z.looseObject({
  type: z.literal('heartbeat'),
  time,
  peer: z.string(),
  slots: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  /** The member's 1-minute load average. */
  loadAverage: z.number().nonnegative().optional(),
  /** Its running steps: cache id, start time, fraction done (null: unknown). */
  steps: z.array(z.object({ cacheId: z.string(), startedAt: z.number(), progress: z.number().nullable() })).optional(),
  leases: z.number().int().nonnegative(),
  jobs: z.number().int().nonnegative(),
  /** The interval it announced (its next heartbeat comes within it); absent from nodes before it. */
  nextInMs: z.number().int().positive().optional()
})

export const JOB_EVENT_STATES = ['running', 'completed', 'failed', 'cancelled'] as const
export const STEP_EVENT_STATES = ['pending', 'claimed', 'running', 'completed', 'cached', 'failed', 'aborted', 'lost'] as const

/** A job was submitted here (planned, about to be announced). */
export const jobSubmittedSchema = z.looseObject({ type: z.literal('job.submitted'), time, job: z.string(), recipe: z.string(), steps: z.number().int().nonnegative() })
/** A job announced by a peer could not be planned here. */
export const jobRefusedSchema = z.looseObject({ type: z.literal('job.refused'), time, job: z.string(), peer: z.string(), error: z.string() })
/** A job changed state (`job.running`, `job.completed` with its output, `job.failed` with the error tail, …). */
export const jobStateEventSchema = z.looseObject({
  type: z.enum(JOB_EVENT_STATES.map(s => `job.${s}` as const) as [`job.${typeof JOB_EVENT_STATES[number]}`, ...Array<`job.${typeof JOB_EVENT_STATES[number]}`>]),
  time,
  job: z.string(),
  output: z.string().optional(),
  error: z.string().optional()
})

/** A step changed state on some node. `job`/`step` name the first job step the cache id stands for; `jobs` all of them. */
export const stepEventSchema = z.looseObject({
  type: z.enum(STEP_EVENT_STATES.map(s => `step.${s}` as const) as [`step.${typeof STEP_EVENT_STATES[number]}`, ...Array<`step.${typeof STEP_EVENT_STATES[number]}`>]),
  time,
  job: z.string().optional(),
  step: z.string().optional(),
  jobs: z.array(z.string()),
  cacheId: z.string(),
  /** The node the change is about (the claimant, the runner, the producer). */
  peer: z.string(),
  epoch: z.number().int().nonnegative(),
  /** Failed attempts so far. */
  attempt: z.number().int().nonnegative(),
  /** step.running: time from runnable (on this node) to the start. */
  waitedMs: ms.optional(),
  /** step.completed/failed on this node: how long the execution took. */
  durationMs: ms.optional(),
  /**
   * step.aborted/lost: why (`lost_lease`, `refuted`, `completed_elsewhere`, …); step.claimed:
   * `takeover` when it replaced a lapsed lease, `refutation` when a live holder re-asserted its
   * lease against a takeover, `reclaim` when a claim that lost only to a released one was made again.
   */
  reason: z.string().optional(),
  /** step.failed: ffmpeg's error tail. */
  error: z.string().optional()
})

/**
 * A step running on this node made progress (published every second while someone follows the
 * stream): `progress` is ffmpeg's fraction done, or null when it does not know the duration.
 */
export const stepProgressSchema = z.looseObject({
  type: z.literal('step.progress'),
  time,
  job: z.string().optional(),
  peer: z.string(),
  cacheId: z.string(),
  stepType: z.string(),
  startedAt: z.number(),
  progress: z.number().min(0).max(1).nullable(),
  /** Video frames ffmpeg has written so far (null: not reported, or sound alone). */
  frame: z.number().int().nonnegative().nullable().optional(),
  /** ffmpeg's speed in multiples of real time (null: not reported yet). */
  speed: z.number().nonnegative().nullable().optional()
})

/**
 * A running transcode's progress in frames, as this node sees it (published every second while
 * someone follows the stream): its chunks' frames done (finished chunks, and the part of the running
 * ones ffmpeg reported here or in heartbeats) of all, the cluster's frames per second since its
 * encoding began here, the time left at that pace, and per node the chunks it encodes now and how
 * many it encoded.
 */
export const jobProgressSchema = z.looseObject({
  type: z.literal('job.progress'),
  time,
  job: z.string(),
  frames: z.object({ done: z.number().int().nonnegative(), total: z.number().int().nonnegative() }),
  fps: z.number().nonnegative().nullable(),
  etaMs: ms.nullable(),
  nodes: z.array(z.object({ peer: z.string().nullable(), running: z.array(z.string()), done: z.number().int().nonnegative() }))
})

/** A job's output is pinned (here or by a peer) and its provenance record written. */
export const resultReadySchema = z.looseObject({ type: z.literal('result.ready'), time, job: z.string(), output: z.string(), provenance: z.string().optional(), peer: z.string() })

/**
 * Nodes returned different CIDs for one step (executors that disagree: another ffmpeg build, a
 * non-deterministic encoder). Every node keeps `kept`, by the same rule.
 */
export const resultMismatchSchema = z.looseObject({
  type: z.literal('result.mismatch'),
  time,
  cacheId: z.string(),
  jobs: z.array(z.string()),
  kept: z.string(),
  results: z.array(z.object({ cid: z.string(), holder: z.string(), epoch: z.number().int().nonnegative() }))
})

/** This process noticed it had not run for `gapMs` (paused, stalled loop) and went quiet before claiming again. */
export const nodePausedSchema = z.looseObject({ type: z.literal('node.paused'), time, gapMs: ms })

/** The server's own event: a slow reader made it drop `dropped` events. */
export const EVENTS_LAGGED = 'events.lagged'
export const eventsLaggedSchema = z.looseObject({ type: z.literal(EVENTS_LAGGED), time, dropped: z.number().int().positive() })

export const apiEventSchema = z.union([
  memberJoinedSchema,
  memberStateSchema,
  memberForgottenSchema,
  heartbeatEventSchema,
  jobSubmittedSchema,
  jobRefusedSchema,
  jobStateEventSchema,
  stepEventSchema,
  stepProgressSchema,
  jobProgressSchema,
  resultReadySchema,
  resultMismatchSchema,
  nodePausedSchema,
  eventsLaggedSchema
])

/** Every event of the stream; narrow on `type`. */
export type ApiEvent = z.infer<typeof apiEventSchema>
export type ApiEventType = ApiEvent['type']

/** An event as a publisher gives it: its time is filled in when absent. */
export type ApiEventInput = ApiEvent extends infer E ? E extends ApiEvent ? Omit<E, 'time'> & { time?: number } : never : never

/** The fields the stream rounds to whole milliseconds (people read them). */
export const ROUNDED_FIELDS = ['waitedMs', 'durationMs', 'gapMs', 'etaMs'] as const

/** Every event type the stream knows, for filters and for clients that skip the ones they do not. */
export const API_EVENT_TYPES: ReadonlySet<string> = new Set<string>([
  'member.joined',
  'member.alive',
  'member.suspect',
  'member.dead',
  'member.forgotten',
  'heartbeat',
  'job.submitted',
  'job.refused',
  ...JOB_EVENT_STATES.map(s => `job.${s}`),
  ...STEP_EVENT_STATES.map(s => `step.${s}`),
  'step.progress',
  'job.progress',
  'result.ready',
  'result.mismatch',
  'node.paused',
  EVENTS_LAGGED
])
