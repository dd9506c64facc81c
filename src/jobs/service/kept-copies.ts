import { CID } from 'multiformats/cid'
import type { Logger } from '../../log.ts'
import type { ContentStore, PinInfo } from '../../store/index.ts'

/** What a node needs to keep copies of content for jobs (the part copies, the input copies). */
export interface CopyComponents {
  self: string
  store: Pick<ContentStore, 'pin'>
  /** Runs a copy as one of the service's tasks (awaited when it stops). */
  track: (task: string, promise: Promise<unknown>) => void
  /** The service's signal: aborted when it stops. */
  signal: () => AbortSignal
  wallNow: () => number
  logger: Logger
}

/**
 * The copies one node keeps for jobs: each CID fetched and pinned once while
 * its job is known, as an intermediate for `intermediateTtlMs`, tried again
 * after a failure (by the next event that asks for it).
 */
export class KeptCopies {
  readonly #c: CopyComponents
  readonly #log: Logger
  readonly #timeoutMs: number
  readonly #intermediateTtlMs: number
  /** CIDs copied or being copied, with their job. */
  readonly #copied = new Map<string, string>()

  constructor (components: CopyComponents, component: string, init: { timeoutMs: number, intermediateTtlMs: number }) {
    this.#c = components
    this.#log = components.logger.forComponent(component)
    this.#timeoutMs = init.timeoutMs
    this.#intermediateTtlMs = init.intermediateTtlMs
  }

  has (cid: string): boolean {
    return this.#copied.has(cid)
  }

  /** Fetches and pins `cid` for `jobId` (with `labels`), asking `from` first; never rejects (a failure is logged). */
  async keep (jobId: string, cid: string, labels: Record<string, string>, from: string, what: Record<string, unknown>): Promise<void> {
    this.#copied.set(cid, jobId)
    const pin: PinInfo = { cid: CID.parse(cid), kind: 'intermediate', expiresAt: this.#c.wallNow() + this.#intermediateTtlMs, labels }
    await this.#pin(cid, pin, from, { jobId, cid, ...what })
  }

  /** Forgets the copies of every job not in `keep` (their pins lapse by themselves). */
  forgetAllBut (keep: ReadonlySet<string>): void {
    for (const [cid, jobId] of this.#copied) if (!keep.has(jobId)) this.#copied.delete(cid)
  }

  async #pin (cid: string, pin: PinInfo, from: string, what: Record<string, unknown>): Promise<void> {
    const signal = AbortSignal.any([this.#c.signal(), AbortSignal.timeout(this.#timeoutMs)])
    try {
      await this.#c.store.pin(pin, { signal, from: [from] })
      this.#log.debug({ ...what, from }, 'kept a copy')
    } catch (err: unknown) {
      // The content is still read from where it was made while that node lives; the next event naming it tries again.
      this.#copied.delete(cid)
      if (!this.#c.signal().aborted) this.#log.warn({ ...what, from, err }, 'cannot keep a copy')
    }
  }
}
