import type { ApiEvent, EventListener, EventsBackend } from '../api/index.ts'
import type { Logger } from '../log.ts'

/**
 * What the node sees, fanned out to `/v1/events` subscribers: membership
 * transitions, heartbeats, job and step events. A listener that throws is
 * logged and dropped from that event only; publishing never fails.
 */
export class EventBus implements EventsBackend {
  readonly #listeners = new Set<EventListener>()
  readonly #log: Logger

  constructor (logger: Logger) {
    this.#log = logger.forComponent('artdag:events')
  }

  publish (event: Omit<ApiEvent, 'time'> & { time?: number }): void {
    const full = { ...event, time: event.time ?? Date.now() } as ApiEvent
    for (const listener of this.#listeners) {
      try {
        listener(full)
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
