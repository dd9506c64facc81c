import { isIP } from 'node:net'
import { UnauthorizedError } from '../api/index.ts'
import { ForbiddenHostError, ForbiddenOriginError } from './errors.ts'
import { contentTicket, sameSecret } from './token.ts'

/**
 * Who may use the dashboard, decided per request before routing. Pure: it sees
 * the method, the URL, the headers and the local address, and throws the
 * error to answer with.
 *
 * - Host must be `localhost` or an IP literal, on our port: a DNS-rebinding
 *   page (evil.example resolving to 127.0.0.1) sends its own name and is refused.
 * - With the default loopback bind, a request that reached a non-loopback
 *   address is refused too.
 * - Origin, when sent, must be this origin; a fetch metadata header saying
 *   another site or origin is refused. No CORS header is ever sent.
 * - The page's own files need nothing; every other path (the API, /metrics,
 *   unknown paths) needs `Authorization: Bearer <token>`. A GET of content may
 *   carry `?ticket=` instead: an HMAC of that CID under the token, for
 *   `<video src>` and download links, which cannot send headers. No cookie
 *   is ever read.
 */

export interface GuardedRequest {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  /** The address the connection reached (req.socket.localAddress). */
  localAddress: string | undefined
}

export interface GuardOptions {
  token: string
  /** The port we listen on, as it appears in Host. */
  port: number
  /** True when the config binds to loopback (the default): other local addresses are refused. */
  loopbackOnly: boolean
  /** Paths of the page itself (index, assets): served without the token. */
  isPublicPath: (path: string) => boolean
}

export const UNAUTHORIZED_MESSAGE = 'this dashboard needs its token: run `artdag ui` on the machine of the daemon and open the URL it prints'

const CONTENT_PATH = /^\/v1\/content\/([^/]+)$/

function header (headers: GuardedRequest['headers'], name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

export function isLoopback (address: string | undefined): boolean {
  if (address === undefined) return false
  const bare = address.startsWith('::ffff:') ? address.slice(7) : address
  return bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'))
}

/** `localhost:4180`, `127.0.0.1:4180`, `[::1]:4180` → hostname and port; undefined when malformed. */
function splitHost (host: string): { name: string, port: number | undefined } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(host)
  if (match === null) return undefined
  const name = (match[1] ?? '').replace(/^\[|\]$/g, '').toLowerCase()
  return { name, port: match[2] === undefined ? undefined : Number(match[2]) }
}

export function checkHost (host: string | undefined, port: number): string {
  const parsed = host === undefined ? undefined : splitHost(host)
  if (parsed === undefined || (parsed.name !== 'localhost' && isIP(parsed.name) === 0) || (parsed.port ?? 80) !== port) {
    throw new ForbiddenHostError(`Host ${JSON.stringify(host ?? '')} is refused: open the dashboard by its address (http://127.0.0.1:${port}/), not by a name`, { host: host ?? null })
  }
  return host as string
}

function checkOrigin (headers: GuardedRequest['headers'], host: string, isPage: boolean): void {
  const origin = header(headers, 'origin')
  if (origin !== undefined && origin !== `http://${host}`) {
    throw new ForbiddenOriginError(`requests from ${origin} are refused: the dashboard answers its own page only`, { origin })
  }
  // Navigating to the page from a link elsewhere is fine; the API is for the page's own scripts.
  const site = header(headers, 'sec-fetch-site')
  if (!isPage && site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new ForbiddenOriginError(`a ${site} request is refused: the dashboard answers its own page only`, { site })
  }
}

function bearer (headers: GuardedRequest['headers']): string | undefined {
  const value = header(headers, 'authorization')
  const match = value === undefined ? null : /^Bearer\s+(\S+)$/i.exec(value)
  return match?.[1]
}

function hasTicket (request: GuardedRequest, path: string, query: URLSearchParams, token: string): boolean {
  const ticket = query.get('ticket')
  const match = CONTENT_PATH.exec(path)
  if (ticket === null || match === null || request.method !== 'GET') return false
  return sameSecret(ticket, contentTicket(token, decodeURIComponent(match[1] ?? '')))
}

export function guardRequest (request: GuardedRequest, options: GuardOptions): void {
  if (options.loopbackOnly && !isLoopback(request.localAddress)) {
    throw new ForbiddenHostError(`the dashboard is served on loopback only (config ui.host); ${request.localAddress ?? 'this address'} is refused`)
  }
  const host = checkHost(header(request.headers, 'host'), options.port)
  const url = new URL(request.url, 'http://dashboard.invalid')
  const isPage = options.isPublicPath(url.pathname) && request.method === 'GET'
  checkOrigin(request.headers, host, isPage)
  if (isPage) return
  const given = bearer(request.headers)
  if (given !== undefined && sameSecret(given, options.token)) return
  if (hasTicket(request, url.pathname, url.searchParams, options.token)) return
  throw new UnauthorizedError(given === undefined ? UNAUTHORIZED_MESSAGE : `the token is wrong: ${UNAUTHORIZED_MESSAGE}`)
}
