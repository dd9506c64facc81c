import { ROUNDED_FIELDS } from '../api/index.ts'
import type { ApiEvent, ApiEventInput, EventListener, EventsBackend } from '../api/index.ts'
import { systemClock } from '../lifecycle/index.ts'
import type { Clock } from '../lifecycle/index.ts'
import type { Logger } from '../log.ts'

/**
 * What the node sees, fanned out to `/v1/events` subscribers: membership
 * transitions, heartbeats, job and step events (the union in src/api/events.ts).
 * A listener that throws is logged and dropped from that event only; emitting
 * never fails. Durations people read are rounded to whole milliseconds.
 */
export class EventBus implements EventsBackend {
  readonly #listeners = new Set<EventListener>()
  readonly #log: Logger
  readonly #clock: Clock

  constructor (logger: Logger, clock: Clock = systemClock) {
    this.#log = logger.forComponent('artdag:events')
    this.#clock = clock
  }

  /** Sends an event to every subscriber; its time is now unless given. */
  emit (event: ApiEventInput): void {
    const full = { ...event, time: event.time ?? this.#clock.wallNow() } as Record<string, unknown>
    for (const field of ROUNDED_FIELDS) {
      if (typeof full[field] === 'number') full[field] = Math.round(full[field])
    }
    for (const listener of this.#listeners) {
      try {
        listener(full as ApiEvent)
      } catch (err: unknown) {
        this.#log.warn({ err, type: full.type }, 'event listener failed')
      }
    }
  }

  subscribe (listener: EventListener): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  get subscribers (): number {
    return this.#listeners.size
  }
}
