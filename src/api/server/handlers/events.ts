import type { Logger } from '../../../log.ts'
import type { EventsBackend } from '../../backend.ts'
import type { HandlerMap } from '../handler.ts'
import { accepts } from '../handler.ts'
import { EVENTS_LAGGED } from '../../schemas.ts'
import type { ApiEvent } from '../../schemas.ts'

export interface EventStreamOptions {
  /** Bytes a client may fall behind before its events are dropped (and counted in an `events.lagged` line). */
  bufferBytes: number
  now: () => number
  logger: Logger
  /** The stream bypasses Fastify's reply, so it counts itself. */
  countRequest: (status: number) => void
}

/** `?type=step` matches `step` and `step.*`; `?job=` matches the event's `job`. */
export function eventFilter (types: string[], job: string | undefined): (event: ApiEvent) => boolean {
  return event =>
    (types.length === 0 || types.some(t => event.type === t || event.type.startsWith(`${t}.`))) &&
    (job === undefined || event.job === job)
}

/** One event as the stream's framing wants it: an NDJSON line, or an SSE `data:` message (JSON has no raw newline). */
function framer (sse: boolean): (value: unknown) => string {
  return sse ? value => `data: ${JSON.stringify(value)}\n\n` : value => `${JSON.stringify(value)}\n`
}

/**
 * `GET /v1/events`: NDJSON (or SSE) until the client closes or the server stops.
 * Headers go out at once, so a client knows it is subscribed before any event comes.
 */
export function eventHandlers (events: EventsBackend, options: EventStreamOptions): Pick<HandlerMap, 'events'> {
  return {
    async events ({ query }, { request, reply, signal }) {
      const matches = eventFilter(query.type ?? [], query.job)
      // Server-Sent Events when the client asks for them (a browser), else NDJSON.
      const sse = accepts(request.headers.accept, 'text/event-stream')
      const frame = framer(sse)
      const res = reply.raw
      let dropped = 0
      let streaming = false
      // Subscribed before the reply is taken over: a backend that throws here still gets a JSON 500.
      const unsubscribe = events.subscribe(event => {
        try {
          if (!streaming || res.writableEnded || !matches(event)) return
          if (res.writableLength > options.bufferBytes) {
            dropped++
            return
          }
          if (dropped > 0) {
            res.write(frame({ type: EVENTS_LAGGED, time: options.now(), dropped }))
            dropped = 0
          }
          res.write(frame(event))
        } catch (err: unknown) {
          // The backend's emitter must never see our failures (an unserialisable event, say).
          options.logger.warn({ err, type: event.type }, 'dropping an event the stream could not write')
        }
      })
      reply.hijack()
      res.writeHead(200, {
        'content-type': sse ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff'
      })
      // An SSE comment: browsers see the stream open before the first event.
      if (sse) res.write(': subscribed\n\n')
      else res.flushHeaders()
      streaming = true

      // `signal` aborts when the client closes the connection or the server stops.
      await new Promise<void>(resolve => {
        const finish = (): void => {
          signal.removeEventListener('abort', finish)
          try {
            unsubscribe()
          } catch (err: unknown) {
            // Runs in an abort listener: a throw here would be an uncaught exception.
            options.logger.warn({ err }, 'unsubscribing an event stream failed')
          }
          if (!res.writableEnded) res.end()
          resolve()
        }
        if (signal.aborted) finish()
        else signal.addEventListener('abort', finish, { once: true })
      })
      options.countRequest(200)
    }
  }
}
