import { createReadStream } from 'node:fs'
import { stat as statFile } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import type { z } from 'zod'
import { InvalidArgumentError, InvalidCidError, isArtdagError } from '../errors.ts'
import type { ErrorKind } from '../errors.ts'
import { writeFileAtomically } from './atomic-file.ts'
import { RemoteError, ResponseInvalidError } from './errors.ts'
import { readNdjson } from './ndjson.ts'
import { socketPathForHome } from './paths.ts'
import { buildPath, routes } from './routes.ts'
import type { ResponseOf, RouteName } from './routes.ts'
import { API_EVENT_TYPES, apiEventSchema, cidText, exportLineSchema } from './schemas.ts'
import type { ApiEvent, JobState, JobSubmitRequest, PinKind, PinRequest } from './schemas.ts'
import { exchange } from './transport.ts'
import type { QueryValue, TransportInit } from './transport.ts'

/**
 * The typed client of the status socket, used by the CLI and the end-to-end
 * tests. One method per route; paths and response schemas come from the
 * shared route table. Every method takes `{ signal }` last.
 */

export const DEFAULT_CLIENT_TIMEOUT_MS = 30_000
/** Longer than the server's content timeout, so a stalled fetch is reported by the daemon as a 504. */
export const DEFAULT_CONTENT_TIMEOUT_MS = 120_000
export const DEFAULT_GC_TIMEOUT_MS = 600_000
/** An export answers only when the whole file is written: a large one takes a while. */
export const DEFAULT_EXPORT_TIMEOUT_MS = 3_600_000
const MAX_JSON_RESPONSE_BYTES = 256 * 1024 ** 2

export interface ApiClientInit {
  /** The daemon's home: named in the "no daemon" message. */
  home: string
  /** @default `<home>/artdag.sock` */
  socketPath?: string
  /** No progress on a JSON request for this long fails it. @default DEFAULT_CLIENT_TIMEOUT_MS */
  timeoutMs?: number
  /** No progress on a content transfer for this long fails it. @default DEFAULT_CONTENT_TIMEOUT_MS */
  contentTimeoutMs?: number
}

export interface CallOptions {
  signal?: AbortSignal | undefined
  timeoutMs?: number | undefined
}

export interface AddOptions extends CallOptions {
  /** Sent as content-length, so the daemon can refuse an oversized upload at once. */
  size?: number | undefined
  onProgress?: ((bytesSent: number) => void) | undefined
  /** How to pin the new content. @default 'user' */
  pin?: 'user' | 'final' | 'none' | undefined
}

export interface CatOptions extends CallOptions {
  offset?: number | undefined
  length?: number | undefined
}

export interface Download {
  /** Bytes the body will have (the daemon's content-length). */
  size: number
  body: AsyncIterable<Uint8Array>
}

export interface EventsOptions {
  /** Event types, or prefixes: `step` matches `step.*`. */
  types?: string[] | undefined
  job?: string | undefined
  signal?: AbortSignal | undefined
}

/** A response that does not match its schema; the issue formatter is loaded only then. */
async function responseInvalid (where: string, what: string, error: z.ZodError): Promise<ResponseInvalidError> {
  const { describeIssues } = await import('../protocol/index.ts')
  return new ResponseInvalidError(`${where}: ${what}: ${describeIssues(error)}`)
}

function checkCid (text: string): string {
  const parsed = cidText.safeParse(text)
  if (!parsed.success) throw new InvalidCidError(`not a CID: ${JSON.stringify(text)}`, { cid: text })
  return text
}

async function readBody (res: IncomingMessage, limit: number, where: string): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of res) {
    size += (chunk as Buffer).byteLength
    if (size > limit) throw new ResponseInvalidError(`${where}: the response is over ${limit} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Yields the body, failing when it ends short of `expected` bytes (a daemon that died mid-stream). */
async function* checkedBody (res: IncomingMessage, expected: number, where: string): AsyncGenerator<Uint8Array> {
  let received = 0
  try {
    for await (const chunk of res) {
      received += (chunk as Buffer).byteLength
      yield chunk as Buffer
    }
  } catch (err: unknown) {
    if (isArtdagError(err)) throw err // our abort or timeout
    throw new ResponseInvalidError(`${where}: the connection dropped after ${received} of ${expected} bytes`, undefined, { cause: err })
  }
  if (received !== expected) throw new ResponseInvalidError(`${where}: got ${received} of ${expected} bytes`)
}

export class ApiClient {
  readonly home: string
  readonly socketPath: string
  private readonly transport: TransportInit
  private readonly timeoutMs: number
  private readonly contentTimeoutMs: number

  constructor (init: ApiClientInit) {
    this.home = init.home
    this.socketPath = init.socketPath ?? socketPathForHome(init.home)
    this.transport = { home: this.home, socketPath: this.socketPath }
    this.timeoutMs = init.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS
    this.contentTimeoutMs = init.contentTimeoutMs ?? DEFAULT_CONTENT_TIMEOUT_MS
  }

  async id (options: CallOptions = {}): Promise<ResponseOf<'id'>> {
    return await this.json('id', {}, options)
  }

  async status (options: CallOptions = {}): Promise<ResponseOf<'status'>> {
    return await this.json('status', {}, options)
  }

  async peers (options: CallOptions = {}): Promise<ResponseOf<'peers'>> {
    return await this.json('peers', {}, options)
  }

  /** Streams `source` into the daemon's store. */
  async add (source: AsyncIterable<Uint8Array>, options: AddOptions = {}): Promise<ResponseOf<'addContent'>> {
    const onProgress = options.onProgress
    let sent = 0
    const counted = onProgress === undefined
      ? source
      : (async function* () {
        for await (const chunk of source) {
          yield chunk
          sent += chunk.byteLength
          onProgress(sent)
        }
      })()
    return await this.json('addContent', { query: { pin: options.pin }, stream: counted, contentLength: options.size }, { signal: options.signal, timeoutMs: options.timeoutMs ?? this.contentTimeoutMs })
  }

  /** Streams a file into the daemon's store; the file is never read whole. */
  async addFile (path: string, options: Omit<AddOptions, 'size'> = {}): Promise<ResponseOf<'addContent'>> {
    const info = await statFile(path).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new InvalidArgumentError(`no such file: ${path}`, { path }, { cause: err }) : err
    })
    if (!info.isFile()) throw new InvalidArgumentError(`not a regular file: ${path}`, { path })
    return await this.add(createReadStream(path, { highWaterMark: 1024 * 1024 }), { ...options, size: info.size })
  }

  /** Opens a download; read `body` to the end (or abort) to release the connection. */
  async cat (cid: string, options: CatOptions = {}): Promise<Download> {
    const route = routes.catContent
    const where = `${route.method} ${route.path}`
    const res = await exchange(this.transport, {
      method: route.method,
      path: buildPath(route.path, { cid: checkCid(cid) }),
      query: { offset: options.offset, length: options.length },
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? this.contentTimeoutMs
    })
    const size = Number(res.headers['content-length'])
    if (!Number.isSafeInteger(size)) {
      res.destroy()
      throw new ResponseInvalidError(`${where}: the daemon sent no content-length`)
    }
    return { size, body: checkedBody(res, size, where) }
  }

  /**
   * Asks the daemon to write the content to `path` (absolute) itself: one copy of the bytes, not
   * two. With `onProgress`, the daemon says how far it is as it writes (a daemon older than that
   * answers once, at the end).
   */
  async exportFile (cid: string, path: string, options: CallOptions & { onProgress?: ((progress: { done: number, total: number }) => void) | undefined } = {}): Promise<ResponseOf<'exportContent'>> {
    const request = { params: { cid: checkCid(cid) }, body: { path } }
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXPORT_TIMEOUT_MS
    const onProgress = options.onProgress
    if (onProgress === undefined) return await this.json('exportContent', request, { signal: options.signal, timeoutMs })
    const route = routes.exportContent
    const where = `${route.method} ${route.path}`
    const res = await exchange(this.transport, {
      method: route.method,
      path: buildPath(route.path, request.params),
      json: request.body,
      accept: 'application/x-ndjson, application/json;q=0.5',
      signal: options.signal,
      timeoutMs
    })
    if (!String(res.headers['content-type']).startsWith('application/x-ndjson')) return await this.parseJson('exportContent', res, where)
    for await (const value of readNdjson(res)) {
      const parsed = exportLineSchema.safeParse(value)
      if (!parsed.success) throw await responseInvalid(where, 'unexpected progress line', parsed.error)
      const line = parsed.data
      if ('progress' in line) onProgress(line.progress)
      else if ('result' in line) return line.result
      else throw new RemoteError(line.error.name, line.error.kind as ErrorKind, line.error.message, line.status, line.error.details)
    }
    throw new ResponseInvalidError(`${where}: the daemon ended the export without a result (it stopped or died?)`)
  }

  /** Downloads to `path` atomically (a temporary sibling renamed into place). */
  async getFile (cid: string, path: string, options: CallOptions = {}): Promise<{ cid: string, size: number, path: string }> {
    const download = await this.cat(cid, options)
    const { size } = await writeFileAtomically(path, download.body, { signal: options.signal })
    return { cid, size, path }
  }

  async stat (cid: string, options: CallOptions = {}): Promise<ResponseOf<'statContent'>> {
    return await this.json('statContent', { params: { cid: checkCid(cid) } }, { signal: options.signal, timeoutMs: options.timeoutMs ?? this.contentTimeoutMs })
  }

  async pins (filter: { kind?: PinKind } = {}, options: CallOptions = {}): Promise<ResponseOf<'listPins'>> {
    return await this.json('listPins', { query: { kind: filter.kind } }, options)
  }

  async pin (cid: string, request: PinRequest = {}, options: CallOptions = {}): Promise<ResponseOf<'addPin'>> {
    return await this.json('addPin', { params: { cid: checkCid(cid) }, body: request }, options)
  }

  async unpin (cid: string, options: CallOptions = {}): Promise<ResponseOf<'removePin'>> {
    return await this.json('removePin', { params: { cid: checkCid(cid) } }, options)
  }

  async gc (options: CallOptions = {}): Promise<ResponseOf<'gc'>> {
    return await this.json('gc', {}, { signal: options.signal, timeoutMs: options.timeoutMs ?? DEFAULT_GC_TIMEOUT_MS })
  }

  async repoStat (options: CallOptions = {}): Promise<ResponseOf<'repoStat'>> {
    return await this.json('repoStat', {}, { signal: options.signal, timeoutMs: options.timeoutMs ?? DEFAULT_GC_TIMEOUT_MS })
  }

  /**
   * Subscribes to the daemon's events; resolves once subscribed. Iterate the
   * result until done; aborting `signal` ends the subscription and makes the
   * iteration throw an AbortedError.
   */
  async events (options: EventsOptions = {}): Promise<AsyncIterable<ApiEvent>> {
    const route = routes.events
    const where = `${route.method} ${route.path}`
    const res = await exchange(this.transport, {
      method: route.method,
      path: route.path,
      query: { type: options.types, job: options.job },
      signal: options.signal,
      timeoutMs: this.timeoutMs,
      keepTimeoutAfterHeaders: false
    })
    return (async function* () {
      try {
        for await (const value of readNdjson(res)) {
          // An event type this client does not know (a newer daemon's) is skipped; a known one must be well formed.
          const type = (value as { type?: unknown } | null)?.type
          if (typeof type === 'string' && !API_EVENT_TYPES.has(type)) continue
          const parsed = apiEventSchema.safeParse(value)
          if (!parsed.success) throw await responseInvalid(where, 'an event is malformed', parsed.error)
          yield parsed.data
        }
      } finally {
        res.destroy()
      }
    })()
  }

  async submitJob (request: JobSubmitRequest, options: CallOptions = {}): Promise<ResponseOf<'submitJob'>> {
    return await this.json('submitJob', { body: request }, options)
  }

  async plan (request: JobSubmitRequest, options: CallOptions = {}): Promise<ResponseOf<'plan'>> {
    return await this.json('plan', { body: request }, options)
  }

  async jobs (filter: { state?: JobState } = {}, options: CallOptions = {}): Promise<ResponseOf<'listJobs'>> {
    return await this.json('listJobs', { query: { state: filter.state } }, options)
  }

  async job (id: string, options: CallOptions = {}): Promise<ResponseOf<'getJob'>> {
    return await this.json('getJob', { params: { id: checkCid(id) } }, options)
  }

  async cancelJob (id: string, options: CallOptions = {}): Promise<ResponseOf<'cancelJob'>> {
    return await this.json('cancelJob', { params: { id: checkCid(id) } }, options)
  }

  async stepLog (cacheId: string, options: CallOptions = {}): Promise<ResponseOf<'stepLog'>> {
    return await this.json('stepLog', { params: { cacheId } }, options)
  }

  async ui (options: CallOptions = {}): Promise<ResponseOf<'ui'>> {
    return await this.json('ui', {}, options)
  }

  async document (cid: string, options: CallOptions = {}): Promise<ResponseOf<'getDocument'>> {
    return await this.json('getDocument', { params: { cid: checkCid(cid) } }, { signal: options.signal, timeoutMs: options.timeoutMs ?? this.contentTimeoutMs })
  }

  /** Prometheus text. */
  async metrics (options: CallOptions = {}): Promise<string> {
    const route = routes.metrics
    const res = await exchange(this.transport, { method: route.method, path: route.path, signal: options.signal, timeoutMs: options.timeoutMs ?? this.timeoutMs })
    return await readBody(res, MAX_JSON_RESPONSE_BYTES, `${route.method} ${route.path}`)
  }

  private async json<N extends RouteName> (
    name: N,
    request: { params?: Record<string, string>, query?: Record<string, QueryValue>, body?: unknown, stream?: AsyncIterable<Uint8Array>, contentLength?: number | undefined },
    options: CallOptions
  ): Promise<ResponseOf<N>> {
    const route = routes[name]
    const where = `${route.method} ${route.path}`
    const res = await exchange(this.transport, {
      method: route.method,
      path: buildPath(route.path, request.params),
      query: request.query,
      json: request.body,
      stream: request.stream,
      contentLength: request.contentLength,
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? this.timeoutMs
    })
    return await this.parseJson(name, res, where)
  }

  /** A JSON response's body, checked against the route's schema. */
  private async parseJson<N extends RouteName> (name: N, res: IncomingMessage, where: string): Promise<ResponseOf<N>> {
    const route = routes[name]
    const text = await readBody(res, MAX_JSON_RESPONSE_BYTES, where)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err: unknown) {
      throw new ResponseInvalidError(`${where}: the response is not JSON`, undefined, { cause: err })
    }
    const schema = (route.response as { schema: z.ZodType }).schema
    const parsed = schema.safeParse(value)
    if (!parsed.success) throw await responseInvalid(where, 'unexpected response', parsed.error)
    return parsed.data as ResponseOf<N>
  }
}

export function createApiClient (init: ApiClientInit): ApiClient {
  return new ApiClient(init)
}
