import type Http from 'node:http'
import type { IncomingMessage } from 'node:http'
import { createRequire } from 'node:module'
import { Readable } from 'node:stream'
import { AbortedError } from '../errors.ts'
import type { ErrorKind } from '../errors.ts'
import { DaemonConnectionLostError, DaemonNotRunningError, RemoteError, RequestTimeoutError, ResponseInvalidError, SocketPermissionError } from './errors.ts'
import type { HttpMethod } from './routes.ts'

/**
 * One HTTP exchange over the daemon's Unix socket, with the failure modes
 * turned into ArtdagErrors: no daemon, a foreign socket, no progress for
 * `timeoutMs`, the caller's abort, and the daemon's own JSON errors.
 */

export interface TransportInit {
  home: string
  socketPath: string
}

export type QueryValue = string | number | string[] | undefined

export interface ExchangeOptions {
  method: HttpMethod
  path: string
  query?: Record<string, QueryValue> | undefined
  /** A JSON value, or a byte stream sent chunked (or with `contentLength`). */
  json?: unknown
  stream?: AsyncIterable<Uint8Array> | undefined
  contentLength?: number | undefined
  signal?: AbortSignal | undefined
  /** Fails when neither side moves a byte for this long; 0 disables it once the headers are in (event streams). */
  timeoutMs: number
  keepTimeoutAfterHeaders?: boolean | undefined
  /** @default 'application/json' */
  accept?: string | undefined
}

/**
 * node:http through require, not import: an ES import of it builds a namespace of every export,
 * whose lazy getters (WebSocket, …) load undici, http2 and zlib: 40–50 ms more for every command.
 */
const http = createRequire(import.meta.url)('node:http') as typeof Http

const MAX_ERROR_BODY_BYTES = 64 * 1024

const KIND_BY_STATUS: Readonly<Record<number, ErrorKind>> = {
  400: 'invalid',
  403: 'forbidden',
  404: 'not_found',
  405: 'invalid',
  409: 'conflict',
  413: 'too_large',
  415: 'invalid',
  422: 'failed',
  499: 'aborted',
  503: 'unavailable',
  504: 'timeout'
}

export function withQuery (path: string, query: Record<string, QueryValue> = {}): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue
    if (Array.isArray(value)) {
      value.forEach(v => {
        search.append(key, v)
      })
    } else search.append(key, String(value))
  }
  const text = search.toString()
  return text === '' ? path : `${path}?${text}`
}

function connectError (err: NodeJS.ErrnoException, init: TransportInit): Error | undefined {
  switch (err.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
    case 'ENOTDIR':
      return new DaemonNotRunningError(init.home, init.socketPath, { cause: err })
    case 'EACCES':
    case 'EPERM':
      return new SocketPermissionError(`permission denied on ${init.socketPath}: the daemon belongs to another user`, { socket: init.socketPath }, { cause: err })
    default:
      return undefined
  }
}

async function readErrorBody (res: IncomingMessage, where: string): Promise<RemoteError> {
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of res) {
      size += (chunk as Buffer).byteLength
      if (size > MAX_ERROR_BODY_BYTES) break
      chunks.push(chunk as Buffer)
    }
  } catch {
    // A truncated error body still has a status.
  }
  const status = res.statusCode ?? 500
  const text = Buffer.concat(chunks).toString('utf8')
  try {
    const body = JSON.parse(text) as { error?: { name?: unknown, kind?: unknown, message?: unknown, details?: unknown } }
    const e = body.error
    if (e !== undefined && typeof e.name === 'string' && typeof e.kind === 'string' && typeof e.message === 'string') {
      const details = typeof e.details === 'object' && e.details !== null ? e.details as Record<string, unknown> : undefined
      return new RemoteError(e.name, e.kind as ErrorKind, e.message, status, details)
    }
  } catch {
    // not a JSON error body: fall back to the HTTP status below
  }
  return new RemoteError('HttpError', KIND_BY_STATUS[status] ?? 'internal', `${where}: the daemon answered ${status}${text === '' ? '' : `: ${text.slice(0, 200)}`}`, status)
}

function closeSource (source: AsyncIterable<Uint8Array>): void {
  if (source instanceof Readable) {
    source.destroy()
    return
  }
  const iterator = source[Symbol.asyncIterator]()
  // Releasing an abandoned upload source; nobody is left to tell.
  Promise.resolve(iterator.return?.()).catch(() => {})
}

/** Sends one request; resolves with a 2xx response (its body unread), rejects with an ArtdagError otherwise. */
export function exchange (init: TransportInit, options: ExchangeOptions): Promise<IncomingMessage> {
  const where = `${options.method} ${options.path}`
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json' }
  let payload: Buffer | undefined
  if (options.json !== undefined) {
    payload = Buffer.from(JSON.stringify(options.json))
    headers['content-type'] = 'application/json'
    headers['content-length'] = String(payload.byteLength)
  } else if (options.stream !== undefined) {
    headers['content-type'] = 'application/octet-stream'
    if (options.contentLength !== undefined) headers['content-length'] = String(options.contentLength)
    // The daemon refuses an oversized upload before a byte of it is sent.
    headers.expect = '100-continue'
  }

  return new Promise((resolve, reject) => {
    const signal = options.signal
    if (signal?.aborted === true) {
      reject(new AbortedError(`${where}: aborted`, undefined, { cause: signal.reason }))
      return
    }
    const req = http.request({
      socketPath: init.socketPath,
      path: withQuery(options.path, options.query),
      method: options.method,
      headers,
      agent: false,
      timeout: options.timeoutMs
    })
    let settled = false
    let upload: Readable | undefined
    let sourceError: Error | undefined
    let response: IncomingMessage | undefined
    const onAbort = (): void => {
      req.destroy(new AbortedError(`${where}: aborted`, undefined, { cause: signal?.reason }))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const settle = (): void => {
      settled = true
      // An answer while uploading is a refusal: stop sending, keep the socket to read it.
      if (upload !== undefined && !upload.readableEnded) {
        upload.unpipe(req)
        upload.destroy()
      } else if (upload === undefined && options.stream !== undefined) {
        // Never sent (refused before 100-continue, no daemon): release the source (an open file, say).
        closeSource(options.stream)
      }
    }

    req.on('timeout', () => {
      const err = new RequestTimeoutError(`${where}: the daemon made no progress for ${options.timeoutMs} ms`, { timeoutMs: options.timeoutMs })
      response?.destroy(err) // a body being read fails with the timeout, not a bare "aborted"
      req.destroy(err)
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', onAbort)
      if (settled) return
      settle()
      if (err instanceof AbortedError || err instanceof RequestTimeoutError) reject(err)
      else if (sourceError !== undefined) reject(sourceError)
      else if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
        reject(new DaemonConnectionLostError(`${where}: the daemon closed the connection (it stopped or died; artdag status says whether it runs)`, { socket: init.socketPath }, { cause: err }))
      } else reject(connectError(err, init) ?? new ResponseInvalidError(`${where}: the connection to the daemon failed: ${err.message}`, undefined, { cause: err }))
    })
    req.on('close', () => {
      signal?.removeEventListener('abort', onAbort)
    })
    req.on('response', res => {
      response = res
      if (settled) return
      settle()
      const status = res.statusCode ?? 0
      if (status >= 200 && status < 300) {
        if (options.keepTimeoutAfterHeaders === false) req.setTimeout(0)
        // The caller reads the body; an abort now fails that read.
        signal?.removeEventListener('abort', onAbort)
        if (signal !== undefined) {
          const onLateAbort = (): void => {
            res.destroy(new AbortedError(`${where}: aborted`, undefined, { cause: signal.reason }))
          }
          signal.addEventListener('abort', onLateAbort, { once: true })
          res.once('close', () => {
            signal.removeEventListener('abort', onLateAbort)
          })
        }
        resolve(res)
      } else {
        readErrorBody(res, where).then(err => {
          req.destroy()
          reject(err)
        }, reject)
      }
    })

    if (payload !== undefined) {
      req.end(payload)
    } else if (options.stream !== undefined) {
      const source = options.stream
      req.once('continue', () => {
        if (settled) return
        upload = Readable.from(source, { objectMode: false })
        // The caller's source failing (a file read error, say) is reported as itself.
        upload.once('error', err => {
          sourceError = err
          req.destroy(err)
        })
        upload.pipe(req)
      })
    } else {
      req.end()
    }
  })
}
