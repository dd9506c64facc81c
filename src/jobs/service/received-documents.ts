import type { JobDocument } from './job-document.ts'

/**
 * A job received from another node has its document stored here only if the job is still
 * running this long after it arrived. Its submitter stored it before publishing (peers fetch it
 * from there), and a job that ends sooner needs it nowhere else: the plan made from the message
 * serves its steps and provenance while it runs. A longer job's document is kept on every node
 * that knows it, for a restart and for peers (docs/LEASES.md, "Restart").
 */
export const RECEIVED_DOCUMENT_DELAY_MS = 5000

export interface ReceivedDocumentsComponents {
  /** Stores the document (pinned as an intermediate), in the service's background line. */
  store: (jobId: string, doc: JobDocument) => Promise<void>
  /** Whether the job still runs here. */
  running: (jobId: string) => boolean
  /** Calls `fn` after `ms` unless the service stops first. */
  after: (ms: number, fn: () => void) => void
  /** Runs `promise` as one of the service's tasks (awaited when it stops). */
  track: (task: string, promise: Promise<unknown>) => void
}

/** The documents of received jobs not stored yet: stored once their job outlives the delay, or when the node stops. */
export class ReceivedDocuments {
  readonly #c: ReceivedDocumentsComponents
  readonly #waiting = new Map<string, JobDocument>()
  #stopping = false

  constructor (components: ReceivedDocumentsComponents) {
    this.#c = components
  }

  received (jobId: string, doc: JobDocument): void {
    if (this.#waiting.has(jobId)) return
    this.#waiting.set(jobId, doc)
    this.#c.after(RECEIVED_DOCUMENT_DELAY_MS, () => {
      this.#keep(jobId)
    })
  }

  /** The node stops: timers that fire from now on leave their document for keepRunning (the background line is closing). */
  stopping (): void {
    this.#stopping = true
  }

  /**
   * Stores the documents of the jobs still running with `store` (the node stops: the snapshot
   * saved next lists them, and the background line is closed).
   */
  async keepRunning (store: ReceivedDocumentsComponents['store']): Promise<void> {
    await Promise.all([...this.#waiting.keys()].map(async jobId => {
      const doc = this.#take(jobId)
      if (doc !== undefined) await store(jobId, doc)
    }))
  }

  #keep (jobId: string): void {
    if (this.#stopping) return
    const doc = this.#take(jobId)
    if (doc !== undefined) this.#c.track('store a job document', this.#c.store(jobId, doc))
  }

  /** The waiting document of a job that still runs; forgotten either way. */
  #take (jobId: string): JobDocument | undefined {
    const doc = this.#waiting.get(jobId)
    this.#waiting.delete(jobId)
    return doc !== undefined && this.#c.running(jobId) ? doc : undefined
  }
}
