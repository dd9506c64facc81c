import { z } from 'zod'
import { isCid } from './cid.ts'

/**
 * The JSON shapes of the status socket, as zod schemas. The server parses
 * requests with them, the client parses responses with them, and the types the
 * daemon's backends return are inferred from them: one definition for all three.
 * Times are milliseconds since the epoch; sizes are bytes.
 */

export const cidText = z.string().refine(isCid, { error: issue => `not a CID: ${JSON.stringify(issue.input)}` })
export const timestamp = z.number().int().nonnegative()
const count = z.number().int().nonnegative()

/** A non-negative integer in a query string (`?offset=10`) or a number from a typed caller. */
export const uintQuery = z.preprocess(
  value => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value),
  z.number({ error: 'must be a non-negative integer' }).int('must be a non-negative integer').nonnegative('must be a non-negative integer').max(Number.MAX_SAFE_INTEGER)
)

/** `?type=a,b` or `?type=a&type=b`, as a list. */
export const listQuery = z.union([z.string(), z.array(z.string())])
  .transform(value => (Array.isArray(value) ? value : [value]).flatMap(v => v.split(',')).map(v => v.trim()).filter(v => v !== ''))

// --- system -----------------------------------------------------------------

/*
 * Names (docs/API.md, "One name per field"): a peer id is `peer` (a list of them `peers`), a
 * peer in a role is `<verb>By` (`submittedBy`, `pinnedBy`); a job id is `job` (`id` on the job
 * itself); a step is `step` (the recipe node's id); states are lowercase everywhere.
 */

export const nodeIdentitySchema = z.object({
  peer: z.string(),
  /** Multiaddrs this node listens on or announces, each ending in /p2p/<peerId>. */
  addresses: z.array(z.string()),
  /** artdag's version (package.json). */
  version: z.string()
})
export type NodeIdentity = z.infer<typeof nodeIdentitySchema>

export const jobStateSchema = z.enum(['running', 'completed', 'failed', 'cancelled'])
export type JobState = z.infer<typeof jobStateSchema>

export const jobCountsSchema = z.object({
  running: count,
  completed: count,
  failed: count,
  cancelled: count
})

/** A step running on this node, as the job service reports it (`GET /v1/status` shows it as `statusStepSchema`). */
export const runningStepSchema = z.object({
  cacheId: z.string(),
  type: z.string(),
  jobId: z.string().nullable(),
  startedAt: timestamp,
  /** 0..1 when ffmpeg reports it, else null. */
  progress: z.number().min(0).max(1).nullable(),
  /** Video frames ffmpeg has written so far (null: not reported, or sound alone). */
  frame: count.nullable().optional(),
  /** ffmpeg's speed, in multiples of real time (null: not reported yet). */
  speed: z.number().nonnegative().nullable().optional()
})
export type RunningStep = z.infer<typeof runningStepSchema>

/** A step running on this node, in `GET /v1/status`. */
export const statusStepSchema = z.object({
  cacheId: z.string(),
  type: z.string(),
  /** The job it runs for (the first one, when several share the step). */
  job: z.string().nullable(),
  startedAt: timestamp,
  /** 0..1 when ffmpeg reports it, else null. */
  progress: z.number().min(0).max(1).nullable()
})
export type StatusStep = z.infer<typeof statusStepSchema>

/**
 * A bootstrap address in `GET /v1/status`: connected (to `peer`) or not, since when, the last failed
 * attempt's message (the dialer's, with its hint) and time, and when the next attempt is due.
 */
export const bootstrapAddressSchema = z.object({
  address: z.string(),
  connected: z.boolean(),
  peer: z.string().nullable(),
  since: timestamp,
  lastError: z.object({ message: z.string(), at: timestamp }).nullable(),
  failures: count,
  nextAttemptAt: timestamp.nullable()
})
export type BootstrapAddress = z.infer<typeof bootstrapAddressSchema>

/**
 * Tailscale discovery in `GET /v1/status` (absent while it is off): the port it dials and its last
 * round (null before the first ends): `tailscale status`'s outcome, why it gave no machines, and
 * how many machines were dialled and answered as artdag.
 */
export const tailscaleDiscoverySchema = z.object({
  port: count,
  lastRound: z.object({
    at: timestamp,
    result: z.enum(['ok', 'not_running', 'unavailable', 'invalid']),
    reason: z.string().nullable(),
    dialled: count,
    connected: count
  }).nullable()
})
export type TailscaleDiscoveryStatus = z.infer<typeof tailscaleDiscoverySchema>

/** What the daemon reports; the server adds `uptimeMs`, `home` and `socket`. */
export const nodeStatusSchema = z.object({
  peer: z.string(),
  version: z.string(),
  startedAt: timestamp,
  peers: z.object({ connected: count }),
  membership: z.object({ alive: count, suspect: count, dead: count }),
  slots: z.object({ total: count, busy: count }),
  steps: z.array(statusStepSchema),
  jobs: jobCountsSchema,
  ffmpeg: z.object({ path: z.string(), version: z.string() }).nullable(),
  /**
   * The live nodes that run steps, grouped by what decides their output bytes (ffmpeg build and
   * thread setting). More than one group (`split`): the same step can give different CIDs on
   * different nodes; every node keeps one by the same rule, and `artdag job` warns.
   */
  executors: z.object({
    builds: z.array(z.object({ ffmpegVersion: z.string(), threads: count, peers: z.array(z.string()) })),
    split: z.boolean()
  }),
  /** Each bootstrap address this node dials (its own left out; absent from a daemon older than the field). */
  bootstrap: z.array(bootstrapAddressSchema).optional(),
  /** Peer discovery beyond the bootstrap addresses, each method present while it is on. */
  discovery: z.object({ tailscale: tailscaleDiscoverySchema.optional() }).optional()
})
export type NodeStatus = z.infer<typeof nodeStatusSchema>

export const statusResponseSchema = nodeStatusSchema.extend({
  uptimeMs: count,
  home: z.string(),
  socket: z.string()
})
export type StatusResponse = z.infer<typeof statusResponseSchema>

export const peerStateSchema = z.enum(['alive', 'suspect', 'dead'])

export const peerEntrySchema = z.object({
  peer: z.string(),
  state: peerStateSchema,
  /** Last heartbeat heard, or null for a peer known only from the registry. */
  lastSeen: timestamp.nullable(),
  addresses: z.array(z.string()),
  /** From the peer's heartbeat; extra fields pass through. Null when unknown. */
  capacity: z.looseObject({ slots: count }).nullable(),
  load: z.looseObject({ running: count }).nullable(),
  /** Where this entry comes from: a heartbeat heard on pubsub, or the IPNS registry only. */
  source: z.enum(['heartbeat', 'registry']),
  /** True for this node's own entry. */
  self: z.boolean(),
  /** When `state` last changed, as this node saw it. */
  since: timestamp,
  /** The artdag version the peer runs (from its newest record). */
  version: z.string(),
  /** Its ffmpeg (null version: none) and the encoders recipes may ask of it. */
  capabilities: z.object({ ffmpegVersion: z.string().nullable(), encoders: z.array(z.string()) })
})
export type PeerEntry = z.infer<typeof peerEntrySchema>

export const peersResponseSchema = z.object({ peers: z.array(peerEntrySchema) })

// --- content and pins ---------------------------------------------------------

export const addResponseSchema = z.object({ cid: z.string(), size: count, pinned: z.boolean() })
export type AddResponse = z.infer<typeof addResponseSchema>

export const contentStatSchema = z.object({ cid: z.string(), size: count, local: z.boolean(), pinned: z.boolean() })
export type ContentStat = z.infer<typeof contentStatSchema>

export const pinKindSchema = z.enum(['user', 'final', 'intermediate'])
export type PinKind = z.infer<typeof pinKindSchema>

/** How `POST /v1/content` pins what it adds: as part of the add, so a gc cannot slip in between. */
export const addPinSchema = z.enum(['user', 'final', 'none'])

export const pinSchema = z.object({
  cid: z.string(),
  kind: pinKindSchema,
  expiresAt: timestamp.optional(),
  labels: z.record(z.string(), z.string()).optional()
})
export type PinJson = z.infer<typeof pinSchema>

export const pinsResponseSchema = z.object({ pins: z.array(pinSchema) })

export const pinRequestSchema = z.strictObject({
  kind: pinKindSchema.default('user'),
  /** Required for `intermediate`, refused for the others. */
  expiresAt: timestamp.optional(),
  labels: z.record(z.string(), z.string().max(1024)).optional()
}).superRefine((value, ctx) => {
  if (value.kind === 'intermediate' && value.expiresAt === undefined) {
    ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'is required for an intermediate pin' })
  }
  if (value.kind !== 'intermediate' && value.expiresAt !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: `is only for intermediate pins, not ${value.kind}` })
  }
})
export type PinRequest = z.input<typeof pinRequestSchema>

export const unpinResponseSchema = z.object({ cid: z.string() })

export const gcResponseSchema = z.object({
  expiredPins: count,
  removedBlocks: count,
  /** Bytes the blockstore gave back (its size on disk before and after). */
  reclaimedBytes: count
})
export type GcResponse = z.infer<typeof gcResponseSchema>

/** `GET /v1/repo`, `artdag repo stat`: what the home holds on disk. */
export const repoStatSchema = z.object({
  home: z.string(),
  /** Content: the blockstore. */
  blocks: z.object({ count, bytes: count }),
  /** Pins, this node's records and indexes. */
  datastore: z.object({ bytes: count }),
  /** Step workspaces (empty between steps). */
  work: z.object({ bytes: count }),
  /** The daemon's log files. */
  logs: z.object({ bytes: count }),
  pins: z.object({ user: count, final: count, intermediate: count, expired: count }),
  /** Free space on the home's file system. */
  disk: z.object({ freeBytes: count, totalBytes: count })
})
export type RepoStat = z.infer<typeof repoStatSchema>

// --- events -------------------------------------------------------------------

// One line of `GET /v1/events`: the discriminated union in ./events.ts. Flat, so `jq .peer`
// works: `type` and `time` always, `job` and `peer` when the event concerns one.
export { API_EVENT_TYPES, apiEventSchema, EVENTS_LAGGED } from './events.ts'
export type { ApiEvent, ApiEventInput, ApiEventType } from './events.ts'

// --- jobs ---------------------------------------------------------------------

export const jobSubmitSchema = z.strictObject({
  /** The recipe document (the same shape as a recipe file, parsed). */
  recipe: z.record(z.string(), z.unknown()),
  /** Recipe input name → CID of its content. */
  inputs: z.record(z.string(), cidText),
  /** A free-form name shown in listings. */
  label: z.string().max(200).optional()
})
export type JobSubmitRequest = z.infer<typeof jobSubmitSchema>

export const jobSummarySchema = z.object({
  /** The CID of the job document. */
  id: z.string(),
  state: jobStateSchema,
  /** The recipe's name. */
  recipe: z.string(),
  label: z.string().nullable(),
  /** The peer that submitted it. */
  submittedBy: z.string(),
  submittedAt: timestamp,
  /** When this node last saw the job change. */
  updatedAt: timestamp,
  progress: z.object({
    total: count,
    done: count,
    cached: count,
    running: count,
    failed: count,
    /** A transcode's frames: of its chunks, those in finished ones (cached or encoded) and all. */
    frames: z.object({ done: count, total: count }).optional()
  }),
  /** The output's CID once the job completed. */
  output: z.string().nullable(),
  /** The output's provenance record, once a pinner wrote it. */
  provenance: z.string().nullable(),
  /** The nodes that announced they pinned the output. */
  pinnedBy: z.array(z.string()),
  /** Why the job failed: the step, its attempts and ffmpeg's error tail. */
  error: z.string().nullable()
})
export type JobSummary = z.infer<typeof jobSummarySchema>

/**
 * pending → claimed → running → completed / cached / failed; `skipped`: not needed (every step
 * reading it was cached); `cancelled`: its job was cancelled before it finished.
 */
export const STEP_STATES = ['pending', 'claimed', 'running', 'completed', 'cached', 'failed', 'skipped', 'cancelled'] as const
export const stepStateSchema = z.enum(STEP_STATES)
export type StepState = z.infer<typeof stepStateSchema>

export const jobStepSchema = z.object({
  /** The recipe node this step comes from. */
  step: z.string(),
  type: z.string(),
  cacheId: z.string(),
  state: stepStateSchema,
  /** The peer holding the lease, or that produced the output (null: none yet, or this machine with no daemon). */
  peer: z.string().nullable(),
  /** Runs of the step for this job: the failed ones, and the one running or that produced the output (0 when cached). */
  attempts: count,
  /** How long the run that produced the output took (null when cached or not done). */
  durationMs: count.nullable(),
  cached: z.boolean(),
  cid: z.string().nullable(),
  error: z.string().nullable(),
  /** The CID of the step's ffmpeg log (its whole stderr), when the node that ran it announced one (`artdag logs JOB STEP`). */
  log: z.string().nullable().optional(),
  /** The video frames the step encodes, when known before it runs (a transcode's chunk); null otherwise. */
  frames: count.nullable().optional(),
  /** Frames encoded per second by the run that produced the output (frames over its duration); null when not known. */
  fps: z.number().nonnegative().nullable().optional()
})
export type JobStep = z.infer<typeof jobStepSchema>

/** `GET /v1/steps/:cacheId/log`: the log of the step's last run on this node (its whole ffmpeg stderr, as content). */
export const stepLogSchema = z.object({
  cacheId: z.string(),
  /** The log's CID (`GET /v1/content/:cid` reads it). */
  cid: z.string(),
  /** Whether that run succeeded. */
  ok: z.boolean(),
  /** When it ended. */
  at: timestamp
})
export type StepLogJson = z.infer<typeof stepLogSchema>

/** Nodes returned different CIDs for one step (executors that disagree): every node keeps `kept`. */
export const resultMismatchSchema = z.object({ step: z.string(), cacheId: z.string(), kept: z.string().nullable(), cids: z.array(z.string()) })
export type ResultMismatch = z.infer<typeof resultMismatchSchema>

export const jobDetailSchema = jobSummarySchema.extend({ steps: z.array(jobStepSchema), mismatches: z.array(resultMismatchSchema) })
export type JobDetail = z.infer<typeof jobDetailSchema>

export const jobsResponseSchema = z.object({ jobs: z.array(jobSummarySchema) })

/** `POST /v1/plan`: the plan of a recipe and which of its steps the cluster has cached (src/plan/describe.ts). */
export const planDescriptionSchema = z.object({
  recipe: z.string(),
  planId: z.string(),
  runId: z.string(),
  output: z.string(),
  outputCacheId: z.string(),
  inputs: z.record(z.string(), z.string()),
  levels: z.array(z.array(z.string())),
  /** The output nodes, the first being `output`. */
  outputs: z.array(z.string()),
  steps: z.array(z.object({ step: z.string(), type: z.string(), level: count, cacheId: z.string(), inputs: z.array(z.string()), cached: z.boolean(), willRun: z.boolean() })),
  /** Nodes no output reads: they are not planned, nothing renders them. */
  unused: z.array(z.string()),
  unusedInputs: z.array(z.string()),
  summary: z.object({ steps: count, cached: count, toRun: count })
})
export type PlanDescriptionJson = z.infer<typeof planDescriptionSchema>

/** `POST /v1/content/:cid/export`: the daemon writes the content to a file itself. */
export const exportRequestSchema = z.strictObject({
  /** Absolute: the daemon does not know the caller's directory. */
  path: z.string().min(1).max(4096)
})
export const exportResponseSchema = z.object({ cid: z.string(), size: count, path: z.string() })
export type ExportResponse = z.infer<typeof exportResponseSchema>

/**
 * The export asked with `Accept: application/x-ndjson`: a line per progress step (bytes written
 * of the file's size), then one with the result or with the error (the error body's object, and
 * the HTTP status it would have had). Errors found before the first line are plain HTTP errors.
 */
export const exportLineSchema = z.union([
  z.object({ progress: z.object({ done: count, total: count }) }),
  z.object({ result: exportResponseSchema }),
  z.object({
    error: z.object({ name: z.string(), kind: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
    status: z.number().int()
  })
])
export type ExportLine = z.infer<typeof exportLineSchema>

/** `GET /v1/documents/:cid`: a DAG-JSON document (a job document, a provenance record), links as `{ "/": cid }`. */
export const documentResponseSchema = z.object({ cid: z.string(), document: z.unknown() })
export type DocumentResponse = z.infer<typeof documentResponseSchema>

/** `GET /v1/ui`: where this daemon serves the dashboard, and the token that opens it. */
export const uiInfoSchema = z.object({
  /** The base URL, e.g. `http://127.0.0.1:4180/`. */
  url: z.string(),
  /** The bearer token every dashboard request carries (docs/UI.md). */
  token: z.string()
})
export type UiInfo = z.infer<typeof uiInfoSchema>

/** `GET /v1/content/:cid/ticket`: a path on the dashboard that reads the content with a per-CID ticket. */
export const contentTicketSchema = z.object({ cid: z.string(), path: z.string() })
