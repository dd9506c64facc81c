import type { FastifyInstance } from 'fastify'
import { AbortedError } from '../../errors.ts'
import type { Logger } from '../../log.ts'
import { systemScheduler } from '../../lifecycle/index.ts'
import type { AbortOptions, Scheduler, Startable } from '../../lifecycle/index.ts'
import { checkContinue, createApiApp } from './app.ts'
import type { ApiComponents } from '../backend.ts'
import { createApiMetrics } from './metrics.ts'
import type { ApiMetrics } from './metrics.ts'
import { checkSocketPathLength, clearStaleSocket, ensureSocketDir, listenPrivately, removeSocketFile } from './socket-file.ts'

/**
 * The status socket: HTTP/1.1 over a Unix socket, JSON everywhere, like
 * Docker's. Fastify routes and parses; this file owns the socket's lifecycle.
 * `start()` resolves only once the socket is bound (0600) and listening;
 * `stop()` ends open streams, closes every connection and removes the file.
 */

export const DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 ** 3
export const DEFAULT_MAX_JSON_BODY_BYTES = 4 * 1024 ** 2
export const DEFAULT_CONTENT_TIMEOUT_MS = 60_000
export const DEFAULT_EVENT_BUFFER_BYTES = 1024 ** 2
export const DEFAULT_STOP_GRACE_MS = 1_000

/** The `api:` config section's defaults (config/default.yaml is checked against them). null socket: `<home>/artdag.sock`. */
export const API_DEFAULTS = {
  socket: null as string | null,
  maxUploadBytes: DEFAULT_MAX_UPLOAD_BYTES
}

export interface ApiServerInit {
  /** Where to bind, normally `<home>/artdag.sock` (config `api.socket`). */
  socketPath: string
  /** Reported by `/v1/status`. */
  home: string
  /** Largest `POST /v1/content` body (config `api.maxUploadBytes`). @default DEFAULT_MAX_UPLOAD_BYTES (64 GiB) */
  maxUploadBytes?: number
  /** Largest JSON request body. @default DEFAULT_MAX_JSON_BODY_BYTES (4 MiB) */
  maxJsonBodyBytes?: number
  /** Bound on each wait for content (stat, each chunk) before a 504. @default DEFAULT_CONTENT_TIMEOUT_MS */
  contentTimeoutMs?: number
  /** How far an events client may fall behind before events are dropped for it. @default DEFAULT_EVENT_BUFFER_BYTES */
  eventBufferBytes?: number
  /** How long `stop()` lets in-flight JSON requests finish before cutting them. @default DEFAULT_STOP_GRACE_MS */
  stopGraceMs?: number
  /** Add Node's process metrics (CPU, memory, event loop) to `/metrics`. @default true */
  defaultMetrics?: boolean
  /** The clock. @default Date.now */
  now?: () => number
}

export class ApiServer implements Startable {
  readonly socketPath: string
  private readonly components: ApiComponents
  private readonly init: Required<ApiServerInit>
  private readonly log: Logger
  private readonly metrics: ApiMetrics
  private readonly scheduler: Scheduler
  private app: FastifyInstance | undefined
  private shutdown: AbortController | undefined
  private unwatchHeap: (() => void) | undefined
  private inode: number | undefined

  constructor (components: ApiComponents, init: ApiServerInit) {
    this.components = components
    this.scheduler = components.scheduler ?? systemScheduler
    this.socketPath = init.socketPath
    this.init = {
      maxUploadBytes: DEFAULT_MAX_UPLOAD_BYTES,
      maxJsonBodyBytes: DEFAULT_MAX_JSON_BODY_BYTES,
      contentTimeoutMs: DEFAULT_CONTENT_TIMEOUT_MS,
      eventBufferBytes: DEFAULT_EVENT_BUFFER_BYTES,
      stopGraceMs: DEFAULT_STOP_GRACE_MS,
      defaultMetrics: true,
      now: Date.now,
      ...init
    }
    this.log = components.logger.forComponent('artdag:api')
    this.metrics = createApiMetrics(components.metrics, { defaultMetrics: this.init.defaultMetrics })
  }

  isStarted (): boolean {
    return this.app !== undefined
  }

  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.app !== undefined) return
    checkSocketPathLength(this.socketPath)
    await ensureSocketDir(this.socketPath)
    await clearStaleSocket(this.socketPath, this.log)
    const shutdown = new AbortController()
    const app = createApiApp({ components: this.components, init: this.init, metrics: this.metrics, log: this.log, shutdown: shutdown.signal })
    try {
      await app.ready()
      app.server.on('checkContinue', (req, res) => {
        checkContinue(app, this.init.maxUploadBytes, this.metrics, req, res)
      })
      this.inode = await listenPrivately(app.server, this.socketPath)
    } catch (err: unknown) {
      // Undoing a failed start: the start's error is the one to report.
      await app.close().catch(() => {})
      throw err
    }
    this.app = app
    this.shutdown = shutdown
    this.unwatchHeap = this.metrics.watchHeap()
    this.log.info({ socket: this.socketPath }, 'status socket listening')
  }

  async stop (): Promise<void> {
    const app = this.app
    if (app === undefined) return
    this.app = undefined
    this.unwatchHeap?.()
    this.unwatchHeap = undefined
    // Ends event streams and aborts content transfers; new requests get 503.
    this.shutdown?.abort(new AbortedError('the daemon is stopping'))
    const grace = this.scheduler.setTimeout(() => {
      app.server.closeAllConnections()
    }, this.init.stopGraceMs)
    try {
      await app.close()
    } finally {
      this.scheduler.clearTimeout(grace)
    }
    await removeSocketFile(this.socketPath, this.inode)
    this.log.info({ socket: this.socketPath }, 'status socket closed')
  }
}

export function createApiServer (components: ApiComponents, init: ApiServerInit): ApiServer {
  return new ApiServer(components, init)
}
