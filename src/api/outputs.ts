import { z } from 'zod'
import {
  addResponseSchema,
  apiEventSchema,
  exportResponseSchema,
  gcResponseSchema,
  jobDetailSchema,
  jobStepSchema,
  jobSummarySchema,
  jobsResponseSchema,
  nodeIdentitySchema,
  peersResponseSchema,
  pinSchema,
  pinsResponseSchema,
  planDescriptionSchema,
  repoStatSchema,
  statusResponseSchema,
  uiInfoSchema,
  unpinResponseSchema
} from './schemas.ts'

/**
 * What each CLI command prints with `--json` (docs/API.md, "The CLI's JSON"):
 * the socket's shapes where the command shows one of them, and the few of its
 * own (a render's result, the daemon's ready line, a config value). One shape
 * per thing whatever the mode: `artdag render` prints a RenderResult with a
 * daemon or without one. A test runs every command with `--json` and checks
 * its output against the schema named here.
 */

const count = z.number().int().nonnegative()

/** `artdag render`, `submit --wait`, `watch JOB`, `transcode --wait`: a finished render. */
export const renderResultSchema = z.object({
  /** The job's id; null for a render on this machine with no daemon. */
  job: z.string().nullable(),
  recipe: z.string(),
  state: z.literal('completed'),
  /** The first output's CID. */
  output: z.string(),
  /** Every output node of the recipe → its CID. */
  outputs: z.record(z.string(), z.string()),
  /** The provenance record of the output (null until a pinner wrote it). */
  provenance: z.string().nullable(),
  /** Files written with -o: which output, where, how many bytes. */
  files: z.array(z.object({ output: z.string(), path: z.string(), size: count })),
  steps: z.array(jobStepSchema)
})
export type RenderResult = z.infer<typeof renderResultSchema>

/** `artdag daemon --json`: the line printed once every listener is up. */
export const daemonReadySchema = z.object({
  event: z.literal('ready'),
  peer: z.string(),
  addresses: z.array(z.string()),
  socket: z.string(),
  home: z.string(),
  version: z.string(),
  /** The dashboard's base URL (no token: `artdag ui` prints it with one), null when it is off. */
  ui: z.string().nullable()
})
export type DaemonReady = z.infer<typeof daemonReadySchema>

/** `artdag init`. */
export const initResultSchema = z.object({
  home: z.string(),
  existed: z.boolean(),
  peer: z.string(),
  identity: z.enum(['created', 'existing']),
  swarmKey: z.enum(['created', 'copied', 'existing', 'replaced']),
  config: z.enum(['created', 'existing'])
})

/** `artdag version [--all]`. */
export const versionSchema = z.object({
  version: z.string(),
  /** With --all: */
  node: z.string().optional(),
  platform: z.string().optional(),
  ffmpeg: z.string().nullable().optional(),
  /** The version the home's daemon runs, null when none runs. */
  daemon: z.string().nullable().optional()
})
export type VersionInfo = z.infer<typeof versionSchema>

/** `artdag config get KEY` / `config set KEY VALUE`. */
export const configValueSchema = z.object({
  key: z.string(),
  value: z.unknown(),
  /** Where the value comes from: `default`, a file, `env ARTDAG_…`. */
  source: z.string(),
  /** `config set`: whether a running daemon must restart to use it. */
  restart: z.boolean().optional()
})

/** `artdag config get` with no key: every key. */
export const configListSchema = z.object({ values: z.array(configValueSchema) })

/** One line of the daemon's log (`artdag logs --json`): pino's JSON line. */
export const logLineSchema = z.looseObject({ level: z.number().int(), time: z.string(), msg: z.string().optional() })

/** `artdag logs JOB STEP --json`. */
export const stepLogOutputSchema = z.object({ job: z.string(), step: z.string(), cacheId: z.string(), log: z.string(), ok: z.boolean().nullable(), text: z.string() })

/** `artdag doctor --json`. */
export const doctorReportSchema = z.looseObject({
  ok: z.boolean(),
  ffmpeg: z.looseObject({ path: z.string(), version: z.string(), source: z.string() }),
  ffprobe: z.looseObject({ path: z.string(), version: z.string(), source: z.string() }),
  encoders: z.record(z.string(), z.string().nullable()),
  problems: z.array(z.string())
})

/** `artdag completion SHELL --json`. */
export const completionOutputSchema = z.object({ shell: z.enum(['bash', 'zsh', 'fish']), script: z.string() })

/** `artdag ui --json`. */
export const uiOutputSchema = uiInfoSchema.extend({ loginUrl: z.string() })

/** Each command's `--json` output, by the words that name it; `ndjson`: one item per line. */
export const CLI_OUTPUTS = {
  'id': { json: nodeIdentitySchema },
  'status': { json: statusResponseSchema },
  'peers': { json: peersResponseSchema },
  'events': { ndjson: apiEventSchema },
  'ui': { json: uiOutputSchema },
  'add': { json: addResponseSchema },
  'get': { json: exportResponseSchema },
  'pin ls': { json: pinsResponseSchema },
  'pin add': { json: pinSchema },
  'pin rm': { json: unpinResponseSchema },
  'gc': { json: gcResponseSchema },
  'repo stat': { json: repoStatSchema },
  'plan': { json: planDescriptionSchema },
  'render': { json: renderResultSchema },
  'render (no daemon)': { json: renderResultSchema },
  'gc (no daemon)': { json: gcResponseSchema },
  'repo stat (no daemon)': { json: repoStatSchema },
  'submit': { json: jobSummarySchema },
  'submit --wait': { json: renderResultSchema },
  'transcode': { json: jobSummarySchema },
  'transcode --wait': { json: renderResultSchema },
  'jobs': { json: jobsResponseSchema },
  'job': { json: jobDetailSchema },
  'cancel': { json: jobSummarySchema },
  'retry': { json: jobSummarySchema },
  'watch': { ndjson: apiEventSchema },
  'watch JOB': { json: renderResultSchema },
  'logs': { ndjson: logLineSchema },
  'logs JOB STEP': { json: stepLogOutputSchema },
  'daemon': { json: daemonReadySchema },
  'init': { json: initResultSchema },
  'doctor': { json: doctorReportSchema },
  'version': { json: versionSchema },
  'config get': { json: configListSchema },
  'config get KEY': { json: configValueSchema },
  'config set': { json: configValueSchema },
  'completion': { json: completionOutputSchema }
} as const satisfies Record<string, { json: z.ZodType } | { ndjson: z.ZodType }>
