import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CID } from 'multiformats/cid'
import { TimeoutError } from '../../errors.ts'
import { parseCid } from '../../store/index.ts'
import type { RouteInput } from './request-input.ts'
import type { RouteDef, RouteName, Routes } from '../routes.ts'

/**
 * The shape of a route handler. It receives the validated input and a signal
 * that aborts when the client goes away or the server stops. A json route
 * returns the value to send; a streaming route sends (or hijacks) the reply
 * itself and returns nothing.
 */
export interface HandlerContext {
  request: FastifyRequest
  reply: FastifyReply
  signal: AbortSignal
}

export type Handler<R extends RouteDef> = (input: RouteInput<R>, ctx: HandlerContext) => Promise<unknown>

/** One handler per route: the server will not compile with a route left unserved. */
export type HandlerMap = { [N in RouteName]: Handler<Routes[N]> }

/** Parses a CID the route schema already checked; still an InvalidCidError naming it if not. */
export function toCid (text: string): CID {
  return parseCid(text)
}

/**
 * Runs `fn` with a signal that also aborts after `timeoutMs`; a run cut short by
 * the deadline fails with a TimeoutError naming `what`, whatever the callee threw.
 */
export async function withDeadline<T> (what: string, timeoutMs: number, signal: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = new AbortController()
  const timer = setTimeout(() => {
    deadline.abort(new TimeoutError(`${what} did not answer within ${timeoutMs} ms`, { timeoutMs }))
  }, timeoutMs)
  try {
    return await fn(AbortSignal.any([signal, deadline.signal]))
  } catch (err: unknown) {
    if (deadline.signal.aborted && !signal.aborted) throw deadline.signal.reason
    throw err
  } finally {
    clearTimeout(timer)
  }
}

/** Whether an `Accept` header lists `mediaType` (`text/event-stream`, `application/x-ndjson`). */
export function accepts (accept: string | undefined, mediaType: string): boolean {
  if (accept === undefined) return false
  return accept.split(',').some(part => part.split(';')[0]?.trim().toLowerCase() === mediaType)
}
