import type { IncomingMessage, ServerResponse } from 'node:http'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AbortedError } from '../../errors.ts'
import type { Logger } from '../../log.ts'
import { systemScheduler } from '../../lifecycle/index.ts'
import type { AbortOptions, Scheduler, Startable } from '../../lifecycle/index.ts'
import type { ApiComponents } from '../backend.ts'
import { RouteNotFoundError, ServerStoppingError } from '../errors.ts'
import type { Handler, HandlerMap } from './handler.ts'
import { contentHandlers, tooLarge } from './handlers/content.ts'
import { eventHandlers } from './handlers/events.ts'
import { jobHandlers } from './handlers/jobs.ts'
import { pinHandlers } from './handlers/pins.ts'
import { systemHandlers } from './handlers/system.ts'
import { methodNotAllowed, toHttpError } from './http-errors.ts'
import { createApiMetrics } from './metrics.ts'
import type { ApiMetrics } from './metrics.ts'
import { parseRouteInput } from './request-input.ts'
import { methodsForPath, routes } from '../routes.ts'
import type { HttpMethod, RouteDef, RouteName } from '../routes.ts'
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
    const app = this.build(shutdown.signal)
    try {
      await app.ready()
      app.server.on('checkContinue', (req, res) => {
        this.checkContinue(app, req, res)
      })
      this.inode = await listenPrivately(app.server, this.socketPath)
    } catch (err: unknown) {
      // Undoing a failed start: the start's error is the one to report.
      await app.close().catch(() => {})
      throw err
    }
    this.app = app
    this.shutdown = shutdown
    this.log.info({ socket: this.socketPath }, 'status socket listening')
  }

  async stop (): Promise<void> {
    const app = this.app
    if (app === undefined) return
    this.app = undefined
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

  private build (shutdown: AbortSignal): FastifyInstance {
    const app = Fastify({
      logger: false,
      bodyLimit: this.init.maxJsonBodyBytes,
      exposeHeadRoutes: false,
      return503OnClosing: false,
      forceCloseConnections: false,
      requestTimeout: 0,
      // CIDs in paths can be long (other bases, other hashes); a longer param would look like no route.
      routerOptions: { maxParamLength: 1024 }
    })
    const handlers = this.handlers()

    app.addHook('onRequest', async () => {
      if (shutdown.aborted) throw new ServerStoppingError('the daemon is stopping')
    })
    app.addHook('onResponse', async (request, reply) => {
      this.metrics.countRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode)
    })
    app.setErrorHandler((err, request, reply) => this.sendError(err, request, reply))
    app.setNotFoundHandler(async request => {
      const path = request.url.split('?')[0] ?? request.url
      const allowed = methodsForPath(path)
      if (allowed.length > 0 && !allowed.includes(request.method as HttpMethod)) throw methodNotAllowed(request.method, path, allowed)
      throw new RouteNotFoundError(`no route ${request.method} ${path}; the routes are listed in docs/API.md`)
    })

    for (const [name, def] of Object.entries(routes) as Array<[RouteName, RouteDef]>) {
      const handler = handlers[name] as Handler<RouteDef>
      if (def.upload) {
        // Raw uploads get their own scope: any content type, the body left unread for the handler.
        void app.register(async scope => {
          scope.removeAllContentTypeParsers()
          scope.addContentTypeParser('*', (_request, _payload, done) => {
            done(null, undefined)
          })
          this.mount(scope, def, handler, shutdown)
        })
      } else {
        this.mount(app, def, handler, shutdown)
      }
    }
    return app
  }

  private mount (app: FastifyInstance, def: RouteDef, handler: Handler<RouteDef>, shutdown: AbortSignal): void {
    app.route({
      method: def.method,
      url: def.path,
      handler: async (request, reply) => {
        const input = parseRouteInput(def, { params: request.params, query: request.query, body: request.body })
        const gone = new AbortController()
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) gone.abort(new AbortedError('the client closed the connection'))
        })
        const signal = AbortSignal.any([shutdown, gone.signal])
        const result = await handler(input, { request, reply, signal })
        if (def.response.kind === 'json') return await reply.code(def.response.status).send(result)
        return reply
      }
    })
  }

  /**
   * `Expect: 100-continue` (our client and curl send it with uploads): refuse an
   * upload whose declared size is over the limit before its body is sent.
   */
  private checkContinue (app: FastifyInstance, req: IncomingMessage, res: ServerResponse): void {
    const declared = Number(req.headers['content-length'])
    const path = (req.url ?? '').split('?')[0]
    if (req.method === routes.addContent.method && path === routes.addContent.path && declared > this.init.maxUploadBytes) {
      const { status, body } = toHttpError(tooLarge(declared, this.init.maxUploadBytes), `${req.method} ${path}`)
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' })
      res.end(JSON.stringify(body))
      this.metrics.countRequest(req.method, routes.addContent.path, status)
      return
    }
    res.writeContinue()
    app.server.emit('request', req, res)
  }

  private sendError (err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const { status, body } = toHttpError(err, `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0] ?? ''}`)
    if (status >= 500 && body.error.kind === 'internal') this.log.error({ err, method: request.method, url: request.url }, 'request failed')
    else this.log.debug({ method: request.method, url: request.url, status, err }, 'request refused')
    // A body left unread (an upload refused midway) would be drained; closing is cheaper.
    if (!request.raw.complete) reply.header('connection', 'close')
    const allow = body.error.details?.allow
    if (status === 405 && Array.isArray(allow)) reply.header('allow', allow.join(', '))
    return reply.code(status).type('application/json; charset=utf-8').send(body)
  }

  private handlers (): HandlerMap {
    const { components, init, metrics } = this
    return {
      ...systemHandlers(components, { home: init.home, socketPath: init.socketPath, now: init.now, metrics }),
      ...contentHandlers(components.content, init),
      ...pinHandlers(components.content),
      ...eventHandlers(components.events, {
        bufferBytes: init.eventBufferBytes,
        now: init.now,
        logger: this.log,
        countRequest: status => {
          metrics.countRequest('GET', routes.events.path, status)
        }
      }),
      ...jobHandlers(components.jobs)
    }
  }
}

export function createApiServer (components: ApiComponents, init: ApiServerInit): ApiServer {
  return new ApiServer(components, init)
}
