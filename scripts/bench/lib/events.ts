import type { ApiClient } from '../../../src/api/client.ts'
import type { ApiEvent } from '../../../src/api/schemas.ts'

/** One daemon's `/v1/events`, recorded with the time this process read each line. */

export interface Recorded {
  /** Which daemon (index in the cluster). */
  node: number
  event: ApiEvent & Record<string, unknown> & { peer?: string, job?: string }
  /** Date.now() when the bench read it. */
  receivedAt: number
}

type Waiter = { match: (r: Recorded) => boolean, resolve: (r: Recorded) => void }

export class EventRecorder {
  readonly events: Recorded[] = []
  readonly #controller = new AbortController()
  readonly #waiters = new Set<Waiter>()
  readonly #done: Array<Promise<void>> = []

  /** Subscribes to every client's events (types: prefixes such as `step`, `job`); resolves once all are subscribed. */
  static async start (clients: ApiClient[], types: string[] = ['step', 'job']): Promise<EventRecorder> {
    const recorder = new EventRecorder()
    await Promise.all(clients.map(async (client, node) => {
      const stream = await client.events({ types, signal: recorder.#controller.signal })
      recorder.#done.push((async () => {
        try {
          for await (const event of stream) recorder.#push({ node, event: event as Recorded['event'], receivedAt: Date.now() })
        } catch { /* aborted, or the daemon went away (a killed node) */ }
      })())
    }))
    return recorder
  }

  #push (r: Recorded): void {
    this.events.push(r)
    for (const w of this.#waiters) {
      if (w.match(r)) {
        this.#waiters.delete(w)
        w.resolve(r)
      }
    }
  }

  /** The first recorded event (already seen, or still to come) that matches, within `timeoutMs`. */
  async waitFor (match: (r: Recorded) => boolean, what: string, timeoutMs = 120_000): Promise<Recorded> {
    const seen = this.events.find(match)
    if (seen !== undefined) return seen
    return await new Promise<Recorded>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      const waiter: Waiter = {
        match,
        resolve: r => {
          clearTimeout(timer)
          resolve(r)
        }
      }
      this.#waiters.add(waiter)
    })
  }

  /** Events about a job (its own, and its steps'). */
  ofJob (jobId: string): Recorded[] {
    return this.events.filter(r => r.event.job === jobId || (Array.isArray(r.event.jobs) && (r.event.jobs as string[]).includes(jobId)))
  }

  clear (): void {
    this.events.length = 0
  }

  async stop (): Promise<void> {
    this.#controller.abort()
    await Promise.all(this.#done)
  }
}

/** A job ended on the given node (completed, failed or cancelled). */
export const jobEnded = (jobId: string, node?: number) => (r: Recorded): boolean => (node === undefined || r.node === node) && r.event.job === jobId && /^job\.(completed|failed|cancelled)$/.test(r.event.type)
