import { CID } from 'multiformats/cid'
import { JobIdMismatchError } from '../errors.ts'
import { parseJobDocument } from './job-document.ts'
import { planJob } from './planning.ts'
import type { JobDocument } from './job-document.ts'
import type { PlannedJob } from './planning.ts'
import type { Clock } from '../../lifecycle/index.ts'
import type { ArtdagNode } from '../../node/index.ts'
import type { StepCatalog } from '../../plan/index.ts'
import { defined } from '../../defined.ts'

/** How long fetching a job document a peer announced may take. */
const JOB_FETCH_TIMEOUT_MS = 30_000

export interface JobPlansComponents {
  content: ArtdagNode['content']
  catalog: StepCatalog
  clock: Clock
}

export interface JobPlansInit {
  /** Job documents stay pinned (as intermediates) this long. */
  intermediateTtlMs: number
}

/**
 * The plans of the jobs this node knows, each planned once from its document
 * (a submission, a `job_submitted` message, or a document fetched by CID after
 * a heartbeat mentioned the job), and the documents themselves, kept in the
 * blockstore for peers and for restarts.
 */
export class JobPlans {
  readonly #c: JobPlansComponents
  readonly #init: JobPlansInit
  readonly #plans = new Map<string, Promise<PlannedJob>>()

  constructor (components: JobPlansComponents, init: JobPlansInit) {
    this.#c = components
    this.#init = init
  }

  has (jobId: string): boolean {
    return this.#plans.has(jobId)
  }

  set (planned: PlannedJob): void {
    this.#plans.set(planned.jobId, Promise.resolve(planned))
  }

  /** The plan of a job: planned once, from its document (local, or fetched from `from`). */
  async get (jobId: string, options: { signal: AbortSignal, from?: string[] }): Promise<PlannedJob> {
    let planned = this.#plans.get(jobId)
    if (planned === undefined) {
      planned = (async () => {
        const signal = AbortSignal.any([options.signal, AbortSignal.timeout(JOB_FETCH_TIMEOUT_MS)])
        const doc = parseJobDocument(await this.#c.content.getJson(CID.parse(jobId), { signal, ...defined({ from: options.from }) }), jobId)
        const result = planJob(jobId, doc, this.#c.catalog)
        await this.store(jobId, doc)
        return result
      })()
      this.#plans.set(jobId, planned)
      // A plan that could not be made is asked for again next time (the peer may be back).
      planned.catch(() => {
        if (this.#plans.get(jobId) === planned) this.#plans.delete(jobId)
      })
    }
    return await planned
  }

  /** The plan if it is ready, without waiting. */
  async peek (jobId: string): Promise<PlannedJob | undefined> {
    const planned = this.#plans.get(jobId)
    if (planned === undefined) return undefined
    try {
      return await planned
    } catch {
      // A plan that failed is reported where it was asked for; here it is simply not known.
      return undefined
    }
  }

  /** Keeps the document here, pinned for a while: peers fetch it from us, and a restart re-plans from it. */
  async store (jobId: string, doc: JobDocument): Promise<void> {
    const cid = await this.#c.content.putJson(doc, { pin: { kind: 'intermediate', expiresAt: this.#c.clock.wallNow() + this.#init.intermediateTtlMs, labels: { job: jobId } } })
    if (cid.toString() !== jobId) throw new JobIdMismatchError(`job document ${jobId} was stored under another CID, ${cid.toString()}`, { jobId })
  }

  /** Forgets the plans of every job not in `keep` (the coordinator forgot them). */
  prune (keep: ReadonlySet<string>): void {
    for (const jobId of this.#plans.keys()) if (!keep.has(jobId)) this.#plans.delete(jobId)
  }
}
