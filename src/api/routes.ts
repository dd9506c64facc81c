import { z } from 'zod'
import {
  addPinSchema,
  addResponseSchema,
  apiEventSchema,
  cidText,
  contentStatSchema,
  gcResponseSchema,
  repoStatSchema,
  jobDetailSchema,
  documentResponseSchema,
  jobStateSchema,
  jobSubmitSchema,
  planDescriptionSchema,
  exportRequestSchema,
  exportResponseSchema,
  jobSummarySchema,
  jobsResponseSchema,
  listQuery,
  nodeIdentitySchema,
  peersResponseSchema,
  pinKindSchema,
  pinRequestSchema,
  pinSchema,
  pinsResponseSchema,
  statusResponseSchema,
  stepLogSchema,
  contentTicketSchema,
  uiInfoSchema,
  uintQuery,
  unpinResponseSchema
} from './schemas.ts'

/**
 * The status socket's route table, defined once. The server registers a handler
 * for each entry and validates params, query and body with its schemas; the
 * client builds paths from it and validates responses with it; docs/API.md
 * documents it. Adding a route means adding it here first.
 */

export const API_PREFIX = '/v1'

export type HttpMethod = 'GET' | 'POST' | 'DELETE'

/** How a route answers. */
export type ResponseSpec =
  | { readonly kind: 'json', readonly status: number, readonly schema: z.ZodType }
  /** Raw bytes, `application/octet-stream`. */
  | { readonly kind: 'bytes' }
  /** `application/x-ndjson`: one JSON object per line until the client closes. */
  | { readonly kind: 'ndjson', readonly item: z.ZodType }
  /** Prometheus text exposition. */
  | { readonly kind: 'text' }

export interface RouteDef<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType | undefined = z.ZodType | undefined, R extends ResponseSpec = ResponseSpec> {
  readonly method: HttpMethod
  /** find-my-way syntax: `/v1/content/:cid`. */
  readonly path: string
  readonly summary: string
  readonly params: P
  readonly query: Q
  /** A JSON body, or undefined when the route takes none (or a raw upload). */
  readonly body: B
  /** The body is streamed raw to the handler (any content type), not parsed. */
  readonly upload: boolean
  readonly response: R
}

const noParams = z.object({})
const noQuery = z.strictObject({})

/** Fills in the parts a route leaves out, keeping the literal types for inference. */
function route<
  P extends z.ZodType = typeof noParams,
  Q extends z.ZodType = typeof noQuery,
  B extends z.ZodType | undefined = undefined,
  R extends ResponseSpec = ResponseSpec
> (def: { method: HttpMethod, path: string, summary: string, params?: P, query?: Q, body?: B, upload?: boolean, response: R }): RouteDef<P, Q, B, R> {
  return {
    method: def.method,
    path: def.path,
    summary: def.summary,
    params: (def.params ?? noParams) as P,
    query: (def.query ?? noQuery) as Q,
    body: def.body as B,
    upload: def.upload ?? false,
    response: def.response
  }
}

function json<S extends z.ZodType> (schema: S, status = 200): { kind: 'json', status: number, schema: S } {
  return { kind: 'json', status, schema }
}

const cidParams = z.object({ cid: cidText })
const jobParams = z.object({ id: cidText })

export const routes = {
  id: route({ method: 'GET', path: '/v1/id', summary: "this node's peer id, addresses and version", response: json(nodeIdentitySchema) }),
  status: route({ method: 'GET', path: '/v1/status', summary: 'uptime, peers, membership, slots, running steps, jobs, ffmpeg', response: json(statusResponseSchema) }),
  peers: route({ method: 'GET', path: '/v1/peers', summary: 'the peer registry with liveness', response: json(peersResponseSchema) }),

  addContent: route({
    method: 'POST',
    path: '/v1/content',
    summary: 'add the raw request body (pinned as user unless ?pin=none); returns its CID',
    query: z.strictObject({ pin: addPinSchema.default('user') }),
    upload: true,
    response: json(addResponseSchema, 201)
  }),
  catContent: route({
    method: 'GET',
    path: '/v1/content/:cid',
    summary: "stream the content's bytes, optionally a range (?offset&length, or a Range header: 206)",
    params: cidParams,
    // `ticket`: the dashboard's capability for this CID, in place of its bearer token (docs/UI.md); the socket ignores it.
    query: z.strictObject({ offset: uintQuery.optional(), length: uintQuery.optional(), ticket: z.string().max(128).optional() }),
    response: { kind: 'bytes' }
  }),
  contentTicket: route({
    method: 'GET',
    path: '/v1/content/:cid/ticket',
    summary: 'a dashboard URL that reads this content without the bearer token (for <video> and download links)',
    params: cidParams,
    response: json(contentTicketSchema)
  }),
  statContent: route({ method: 'GET', path: '/v1/content/:cid/stat', summary: 'size, locality and pin state of content', params: cidParams, response: json(contentStatSchema) }),
  exportContent: route({
    method: 'POST',
    path: '/v1/content/:cid/export',
    summary: 'write the content to a file on this machine (an absolute path, written atomically by the daemon)',
    params: cidParams,
    body: exportRequestSchema,
    response: json(exportResponseSchema)
  }),

  getDocument: route({ method: 'GET', path: '/v1/documents/:cid', summary: 'a DAG-JSON document: a job document, a provenance record', params: cidParams, response: json(documentResponseSchema) }),

  listPins: route({ method: 'GET', path: '/v1/pins', summary: 'every pin, optionally of one kind', query: z.strictObject({ kind: pinKindSchema.optional() }), response: json(pinsResponseSchema) }),
  addPin: route({
    method: 'POST',
    path: '/v1/pins/:cid',
    summary: 'pin content (body optional: kind defaults to user)',
    params: cidParams,
    body: z.preprocess(value => value ?? {}, pinRequestSchema),
    response: json(pinSchema)
  }),
  removePin: route({ method: 'DELETE', path: '/v1/pins/:cid', summary: 'unpin content', params: cidParams, response: json(unpinResponseSchema) }),
  gc: route({ method: 'POST', path: '/v1/gc', summary: 'drop expired intermediate pins, then every unpinned block; says how many bytes it gave back', response: json(gcResponseSchema) }),
  repoStat: route({ method: 'GET', path: '/v1/repo', summary: "the home's disk use (blocks, datastore, work, logs), its pins by kind, and the free space", response: json(repoStatSchema) }),

  events: route({
    method: 'GET',
    path: '/v1/events',
    summary: 'follow what the node sees, as NDJSON (or Server-Sent Events with Accept: text/event-stream)',
    query: z.strictObject({ type: listQuery.optional(), job: z.string().min(1).optional() }),
    response: { kind: 'ndjson', item: apiEventSchema }
  }),

  submitJob: route({ method: 'POST', path: '/v1/jobs', summary: 'submit a recipe and its inputs', body: jobSubmitSchema, response: json(jobSummarySchema, 202) }),
  listJobs: route({ method: 'GET', path: '/v1/jobs', summary: 'jobs this node knows', query: z.strictObject({ state: jobStateSchema.optional() }), response: json(jobsResponseSchema) }),
  getJob: route({ method: 'GET', path: '/v1/jobs/:id', summary: 'one job with its steps', params: jobParams, response: json(jobDetailSchema) }),
  cancelJob: route({ method: 'POST', path: '/v1/jobs/:id/cancel', summary: 'cancel a job', params: jobParams, response: json(jobSummarySchema) }),
  stepLog: route({
    method: 'GET',
    path: '/v1/steps/:cacheId/log',
    summary: "where the log (ffmpeg's stderr) of a step's last run on this node is: its CID",
    params: z.object({ cacheId: z.string().regex(/^[0-9a-f]{64}$/, 'must be a cache_id (64 hex digits)') }),
    response: json(stepLogSchema)
  }),
  plan: route({ method: 'POST', path: '/v1/plan', summary: 'plan a recipe: its steps, levels, cache ids, and which the cluster has cached', body: jobSubmitSchema, response: json(planDescriptionSchema) }),

  ui: route({ method: 'GET', path: '/v1/ui', summary: 'where the dashboard is served and its token', response: json(uiInfoSchema) }),

  metrics: route({ method: 'GET', path: '/metrics', summary: 'Prometheus metrics', response: { kind: 'text' } })
} as const

export type Routes = typeof routes
export type RouteName = keyof Routes

/** The JSON a json route answers with. */
export type ResponseOf<N extends RouteName> = Routes[N]['response'] extends { kind: 'json', schema: infer S extends z.ZodType } ? z.output<S> : never

/** Fills `:name` segments; every value is URI-encoded. */
export function buildPath (path: string, params: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined) throw new TypeError(`missing path parameter ${name} for ${path}`)
    return encodeURIComponent(value)
  })
}

function pathPattern (path: string): RegExp {
  const source = path.split('/').map(seg => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')
  return new RegExp(`^${source}/?$`)
}

const patterns = Object.values(routes).map(def => ({ def, pattern: pathPattern(def.path) }))

/** The methods the route table serves for a concrete URL path (for 405 and `Allow`). */
export function methodsForPath (urlPath: string): HttpMethod[] {
  const methods = new Set<HttpMethod>()
  for (const { def, pattern } of patterns) {
    if (pattern.test(urlPath)) methods.add(def.method)
  }
  return [...methods]
}
