import type { Logger } from '../../../log.ts'
import type { EventsBackend } from '../../backend.ts'
import type { HandlerMap } from '../handler.ts'
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

/**
 * `GET /v1/events`: NDJSON until the client closes or the server stops. Headers
 * go out at once, so a client knows it is subscribed before any event comes.
 */
export function eventHandlers (events: EventsBackend, options: EventStreamOptions): Pick<HandlerMap, 'events'> {
  return {
    async events ({ query }, { reply, signal }) {
      const matches = eventFilter(query.type ?? [], query.job)
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
            res.write(`${JSON.stringify({ type: EVENTS_LAGGED, time: options.now(), dropped })}\n`)
            dropped = 0
          }
          res.write(`${JSON.stringify(event)}\n`)
        } catch (err: unknown) {
          // The backend's emitter must never see our failures (an unserialisable event, say).
          options.logger.warn({ err, type: event.type }, 'dropping an event the stream could not write')
        }
      })
      reply.hijack()
      res.writeHead(200, {
        'content-type': 'application/x-ndjson; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff'
      })
      res.flushHeaders()
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
