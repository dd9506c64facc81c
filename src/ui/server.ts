import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { createApiApp, createApiMetrics } from '../api/server/index.ts'
import type { ApiAppInit, ApiMetrics } from '../api/server/index.ts'
import { buildPath, FeatureUnavailableError, routes, UnauthorizedError } from '../api/index.ts'
import type { ApiComponents, UiBackend, UiInfo } from '../api/index.ts'
import { AbortedError, errorCode, errorMessage } from '../errors.ts'
import { systemScheduler } from '../lifecycle/index.ts'
import type { AbortOptions, Scheduler, Startable } from '../lifecycle/index.ts'
import type { Logger } from '../log.ts'
import { DEFAULT_ASSETS_DIR, loadAssets } from './assets.ts'
import type { Asset } from './assets.ts'
import { guardRequest, isLoopback } from './guard.ts'
import { contentTicket, loadOrCreateToken } from './token.ts'

/**
 * The dashboard: the page's files and the status socket's own routes, served
 * over HTTP on loopback (config `ui.host`, `ui.port`) behind a token
 * (docs/UI.md). The API part is the socket's app (src/api/app.ts) with a guard
 * in front; nothing here defines a route of its own except the page's files.
 */

/** The config's `ui:` section, under its key names (config/default.yaml holds the same values). */
export const UI_DEFAULTS = {
  enabled: true,
  host: '127.0.0.1',
  port: 4180
}

export const DEFAULT_UI_PORT_RETRIES = 10
export const DEFAULT_UI_STOP_GRACE_MS = 1_000

export interface UiServerInit extends ApiAppInit {
  host: string
  /** 0: any free port. A taken port: the next ones are tried, `portRetries` of them. */
  port: number
  /** `<home>/ui.token`. */
  tokenFile: string
  /** @default DEFAULT_ASSETS_DIR (dist/ui in the package) */
  assetsDir?: string
  /** @default DEFAULT_UI_PORT_RETRIES */
  portRetries?: number
  /** @default DEFAULT_UI_STOP_GRACE_MS */
  stopGraceMs?: number
  scheduler?: Scheduler
}

/** Headers on every answer: nothing may frame the page, sniff a type, or leak a URL in a Referer. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': "default-src 'self'; img-src 'self' blob: data:; media-src 'self'; style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
}

function listen (server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening)
      reject(err)
    }
    const onListening = (): void => {
      server.off('error', onError)
      resolve()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({ host, port, exclusive: true })
  })
}

export class UiServer implements Startable, UiBackend {
  readonly #components: ApiComponents
  readonly #init: UiServerInit
  readonly #log: Logger
  readonly #metrics: ApiMetrics
  readonly #scheduler: Scheduler
  #app: FastifyInstance | undefined
  #shutdown: AbortController | undefined
  #token: string | undefined
  #port = 0
  /** Why the dashboard is not served, once a start failed. */
  #failure: string | undefined

  constructor (components: ApiComponents, init: UiServerInit) {
    this.#components = components
    this.#init = init
    this.#log = components.logger.forComponent('artdag:ui')
    // Its own request counters; /metrics here shows the daemon's metrics and the dashboard's requests.
    this.#metrics = createApiMetrics(components.metrics, { defaultMetrics: false })
    this.#scheduler = init.scheduler ?? systemScheduler
  }

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.#app !== undefined) return
    const token = await loadOrCreateToken(this.#init.tokenFile)
    const assets = await loadAssets(this.#init.assetsDir ?? DEFAULT_ASSETS_DIR)
    options.signal?.throwIfAborted()
    const shutdown = new AbortController()
    const loopbackOnly = isLoopback(this.#init.host) || this.#init.host === 'localhost'
    const app = createApiApp({
      components: { ...this.#components, ui: this },
      init: this.#init,
      metrics: this.#metrics,
      log: this.#log,
      shutdown: shutdown.signal,
      guard: async (request, reply) => {
        this.#guard(request, reply, token, assets, loopbackOnly)
      },
      extend: scope => {
        serveAssets(scope, assets)
      }
    })
    try {
      await app.ready()
      await this.#listen(app.server)
    } catch (err: unknown) {
      this.#failure = `the dashboard could not listen on ${this.#init.host}:${this.#init.port}: ${errorMessage(err)}`
      await app.close().catch(() => {})
      throw err
    }
    this.#token = token
    this.#app = app
    this.#shutdown = shutdown
    this.#failure = undefined
    this.#log.info({ url: this.url }, 'dashboard listening')
  }

  async stop (): Promise<void> {
    const app = this.#app
    if (app === undefined) return
    this.#app = undefined
    this.#shutdown?.abort(new AbortedError('the daemon is stopping'))
    const grace = this.#scheduler.setTimeout(() => {
      app.server.closeAllConnections()
    }, this.#init.stopGraceMs ?? DEFAULT_UI_STOP_GRACE_MS)
    try {
      await app.close()
    } finally {
      this.#scheduler.clearTimeout(grace)
    }
    this.#log.info('dashboard closed')
  }

  /** `http://127.0.0.1:4180/`; the host as configured, the port as bound. */
  get url (): string {
    const host = this.#init.host.includes(':') ? `[${this.#init.host}]` : this.#init.host
    return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${this.#port}/`
  }

  async info (): Promise<UiInfo> {
    if (this.#app === undefined || this.#token === undefined) throw new FeatureUnavailableError(this.#failure ?? 'the dashboard is not running')
    return { url: this.url, token: this.#token }
  }

  async contentPath (cid: string): Promise<string> {
    if (this.#token === undefined) throw new FeatureUnavailableError(this.#failure ?? 'the dashboard is not running')
    return `${buildPath(routes.catContent.path, { cid })}?ticket=${contentTicket(this.#token, cid)}`
  }

  /** Failed starts are reported through `/v1/ui` rather than stopping the daemon. */
  noteFailure (reason: string): void {
    this.#failure = reason
  }

  #guard (request: FastifyRequest, reply: FastifyReply, token: string, assets: Map<string, Asset>, loopbackOnly: boolean): void {
    reply.headers(SECURITY_HEADERS)
    try {
      guardRequest({ method: request.method, url: request.url, headers: request.headers, localAddress: request.raw.socket.localAddress }, {
        token,
        port: this.#port,
        loopbackOnly,
        isPublicPath: path => assets.has(path)
      })
    } catch (err: unknown) {
      if (err instanceof UnauthorizedError) reply.header('www-authenticate', 'Bearer realm="artdag"')
      throw err
    }
  }

  async #listen (server: Server): Promise<void> {
    const retries = this.#init.port === 0 ? 0 : this.#init.portRetries ?? DEFAULT_UI_PORT_RETRIES
    for (let attempt = 0;; attempt++) {
      try {
        await listen(server, this.#init.host, this.#init.port === 0 ? 0 : this.#init.port + attempt)
        this.#port = (server.address() as AddressInfo).port
        return
      } catch (err: unknown) {
        if (errorCode(err) !== 'EADDRINUSE' || attempt >= retries || this.#init.port + attempt >= 65535) throw err
        this.#log.info({ port: this.#init.port + attempt }, 'dashboard port taken; trying the next')
      }
    }
  }
}

function serveAssets (app: FastifyInstance, assets: Map<string, Asset>): void {
  for (const [path, asset] of assets) {
    app.get(path, async (_request, reply) => reply.type(asset.type).header('cache-control', asset.cacheControl).send(asset.body))
  }
}

export function createUiServer (components: ApiComponents, init: UiServerInit): UiServer {
  return new UiServer(components, init)
}
