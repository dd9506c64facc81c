import type { IncomingMessage, ServerResponse } from 'node:http'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { AbortedError } from '../../errors.ts'
import type { Logger } from '../../log.ts'
import type { ApiComponents } from '../backend.ts'
import { RouteNotFoundError, ServerStoppingError } from '../errors.ts'
import type { Handler, HandlerMap } from './handler.ts'
import { contentHandlers, tooLarge } from './handlers/content.ts'
import { eventHandlers } from './handlers/events.ts'
import { jobHandlers } from './handlers/jobs.ts'
import { pinHandlers } from './handlers/pins.ts'
import { repoHandlers } from './handlers/repo.ts'
import { systemHandlers } from './handlers/system.ts'
import { uiHandlers } from './handlers/ui.ts'
import { logRequestError, methodNotAllowed, toHttpError } from './http-errors.ts'
import type { ApiMetrics } from './metrics.ts'
import { parseRouteInput } from './request-input.ts'
import { methodsForPath, routes } from '../routes.ts'
import type { HttpMethod, RouteDef, RouteName } from '../routes.ts'

/**
 * The route table as a Fastify app: one handler per route, inputs validated
 * with the route's schemas, every error in the one JSON shape. The status
 * socket serves it over a Unix socket; the dashboard serves the same app over
 * loopback TCP behind its token check (src/ui/server.ts).
 */

export interface ApiAppInit {
  home: string
  socketPath: string
  maxUploadBytes: number
  maxJsonBodyBytes: number
  contentTimeoutMs: number
  eventBufferBytes: number
  now: () => number
}

export interface ApiAppOptions {
  components: ApiComponents
  init: ApiAppInit
  metrics: ApiMetrics
  log: Logger
  /** Aborted when the server stops: ends event streams and transfers; new requests get 503. */
  shutdown: AbortSignal
  /** Runs first on every request, before routing (the dashboard's token and origin checks); a throw or a rejection answers with the error. */
  guard?: onRequestAsyncHookHandler
  /** Adds routes of the server's own (the dashboard's page) after the API's. */
  extend?: (app: FastifyInstance) => void
}

export function createApiApp (options: ApiAppOptions): FastifyInstance {
  const { init, metrics, log, shutdown } = options
  const app = Fastify({
    logger: false,
    bodyLimit: init.maxJsonBodyBytes,
    exposeHeadRoutes: false,
    return503OnClosing: false,
    forceCloseConnections: false,
    requestTimeout: 0,
    // CIDs in paths can be long (other bases, other hashes); a longer param would look like no route.
    routerOptions: { maxParamLength: 1024 }
  })
  const handlers = handlersOf(options)

  app.addHook('onRequest', async () => {
    if (shutdown.aborted) throw new ServerStoppingError('the daemon is stopping')
  })
  if (options.guard !== undefined) app.addHook('onRequest', options.guard)
  app.addHook('onResponse', async (request, reply) => {
    metrics.countRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode)
  })
  app.setErrorHandler((err, request, reply) => sendError(log, err, request, reply))
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
        mount(scope, def, handler, shutdown)
      })
    } else {
      mount(app, def, handler, shutdown)
    }
  }
  options.extend?.(app)
  return app
}

function mount (app: FastifyInstance, def: RouteDef, handler: Handler<RouteDef>, shutdown: AbortSignal): void {
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
export function checkContinue (app: FastifyInstance, maxUploadBytes: number, metrics: ApiMetrics, req: IncomingMessage, res: ServerResponse): void {
  const declared = Number(req.headers['content-length'])
  const path = (req.url ?? '').split('?')[0]
  if (req.method === routes.addContent.method && path === routes.addContent.path && declared > maxUploadBytes) {
    const { status, body } = toHttpError(tooLarge(declared, maxUploadBytes), `${req.method} ${path}`)
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' })
    res.end(JSON.stringify(body))
    metrics.countRequest(req.method, routes.addContent.path, status)
    return
  }
  res.writeContinue()
  app.server.emit('request', req, res)
}

export function sendError (log: Logger, err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const failure = toHttpError(err, `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`)
  logRequestError(log, err, request, failure)
  const { status, body } = failure
  // A body left unread (an upload refused midway) would be drained; closing is cheaper.
  if (!request.raw.complete) reply.header('connection', 'close')
  const allow = body.error.details?.allow
  if (status === 405 && Array.isArray(allow)) reply.header('allow', allow.join(', '))
  return reply.code(status).type('application/json; charset=utf-8').send(body)
}

function handlersOf ({ components, init, metrics, log }: ApiAppOptions): HandlerMap {
  return {
    ...systemHandlers(components, { home: init.home, socketPath: init.socketPath, now: init.now, metrics }),
    ...contentHandlers(components.content, { ...init, log, countRequest: (method, route, status) => metrics.countRequest(method, route, status) }),
    ...pinHandlers(components.content),
    ...repoHandlers(components.content, { home: init.home }),
    ...eventHandlers(components.events, {
      bufferBytes: init.eventBufferBytes,
      now: init.now,
      logger: log,
      countRequest: status => {
        metrics.countRequest('GET', routes.events.path, status)
      }
    }),
    ...jobHandlers(components.jobs, components.stepLogs),
    ...uiHandlers(components.ui)
  }
}
