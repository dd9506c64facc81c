import type { z } from 'zod'
import { buildPath, routes } from '../../src/api/routes.ts'
import type { ResponseOf, RouteName } from '../../src/api/routes.ts'
import { forgetToken, token } from './session.ts'

/**
 * The page's client of the daemon: the same route table and response schemas
 * as the CLI's client (src/api/routes.ts), over fetch, with the bearer token.
 */

export interface ErrorInfo {
  name: string
  kind: string
  message: string
  details?: Record<string, unknown>
}

/** A daemon's JSON error, or a transport failure, as the page shows it. */
export class ApiError extends Error {
  readonly status: number
  readonly info: ErrorInfo

  constructor (status: number, info: ErrorInfo) {
    super(info.message)
    this.status = status
    this.info = info
  }
}

type Listener = () => void
const unauthorizedListeners = new Set<Listener>()

/** Called when the daemon answers 401: the page then shows how to get a URL. */
export function onUnauthorized (listener: Listener): () => void {
  unauthorizedListeners.add(listener)
  return () => {
    unauthorizedListeners.delete(listener)
  }
}

export function authHeaders (): Record<string, string> {
  const t = token()
  return t === null ? {} : { authorization: `Bearer ${t}` }
}

function withQuery (path: string, query: Record<string, string | undefined> = {}): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.append(key, value)
  const text = search.toString()
  return text === '' ? path : `${path}?${text}`
}

async function failure (res: Response): Promise<ApiError> {
  if (res.status === 401) {
    forgetToken()
    for (const listener of unauthorizedListeners) listener()
  }
  try {
    const body = await res.json() as { error?: ErrorInfo }
    if (body.error !== undefined) return new ApiError(res.status, body.error)
  } catch {}
  return new ApiError(res.status, { name: 'HttpError', kind: 'internal', message: `the daemon answered ${res.status}` })
}

export interface CallInput {
  params?: Record<string, string>
  query?: Record<string, string | undefined>
  body?: unknown
  /** A raw upload (a File), for POST /v1/content. */
  upload?: Blob
  signal?: AbortSignal
}

/** Calls a json route of the shared table; the answer is checked with the route's own schema. */
export async function call<N extends RouteName> (name: N, input: CallInput = {}): Promise<ResponseOf<N>> {
  const route = routes[name]
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() }
  let body: BodyInit | undefined
  if (input.upload !== undefined) {
    body = input.upload
    headers['content-type'] = 'application/octet-stream'
  } else if (input.body !== undefined) {
    body = JSON.stringify(input.body)
    headers['content-type'] = 'application/json'
  }
  let res: Response
  try {
    res = await fetch(withQuery(buildPath(route.path, input.params), input.query), { method: route.method, headers, body, signal: input.signal })
  } catch (err: unknown) {
    if (input.signal?.aborted === true) throw err
    throw new ApiError(0, { name: 'NetworkError', kind: 'unavailable', message: 'the daemon does not answer (is it running?)' })
  }
  if (!res.ok) throw await failure(res)
  const schema = (route.response as { schema: z.ZodType }).schema
  const parsed = schema.safeParse(await res.json())
  if (!parsed.success) throw new ApiError(res.status, { name: 'ResponseInvalidError', kind: 'internal', message: `${route.method} ${route.path}: unexpected answer` })
  return parsed.data as ResponseOf<N>
}

/** The events route as Server-Sent Events, read with fetch so the token goes in a header. */
export async function openEvents (signal: AbortSignal): Promise<Response> {
  const res = await fetch(routes.events.path, { headers: { accept: 'text/event-stream', ...authHeaders() }, signal })
  if (!res.ok || res.body === null) throw await failure(res)
  return res
}
