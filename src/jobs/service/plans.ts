import { CID } from 'multiformats/cid'
import { stepFrames } from '../../plan/index.ts'
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
/** How long reading back the document of a job restored finished may take (it is kept here: a miss is rare). */
const FACTS_TIMEOUT_MS = 5000

export interface JobPlansComponents {
  content: ArtdagNode['content']
  catalog: StepCatalog
  clock: Clock
  /** The coordinator knows the job and it is no longer running: only other jobs keep their whole plan. */
  ended: (jobId: string) => boolean
  /** Runs a read in the service's background work, a few at a time. */
  background: <T>(read: () => Promise<T>) => Promise<T>
}

export interface JobPlansInit {
  /** Job documents stay pinned (as intermediates) this long. */
  intermediateTtlMs: number
}

/**
 * What the status socket shows of a job besides its status, kept for every
 * job: a finished job keeps only these, not its recipe, plan and document.
 */
export interface JobFacts {
  recipe: string
  label: string | null
  submitter: string
  /** Per step id, the video frames it encodes, for the steps that know (a transcode's chunks). */
  frames: ReadonlyMap<string, number>
}

const NO_FRAMES: ReadonlyMap<string, number> = new Map()

export function factsOf (planned: PlannedJob): JobFacts {
  const frames = new Map<string, number>()
  for (const step of planned.plan.steps) {
    const n = stepFrames(step.type, step.config)
    if (n != null) frames.set(step.id, n)
  }
  return { recipe: planned.recipe.name, label: planned.doc.label ?? null, submitter: planned.doc.submitter, frames: frames.size > 0 ? frames : NO_FRAMES }
}

/**
 * The plans of the jobs this node knows, each planned once from its document
 * (a submission, a `job_submitted` message, or a document fetched by CID after
 * a heartbeat mentioned the job), and the documents themselves, kept in the
 * blockstore for peers and for restarts.
 *
 * Only running jobs keep their plan in memory. A finished job keeps its facts
 * (a few hundred bytes); its plan is made again from its document when asked
 * for (its provenance record), and not kept. A job restored finished after a
 * restart gets its facts from its document when first shown. So the jobs a
 * node keeps (jobs.maxJobs) cost little once they ended (docs/BENCHMARKS.md,
 * "Memory after a flood").
 */
export class JobPlans {
  readonly #c: JobPlansComponents
  readonly #init: JobPlansInit
  readonly #plans = new Map<string, Promise<PlannedJob>>()
  readonly #facts = new Map<string, JobFacts>()
  readonly #reading = new Map<string, Promise<JobFacts | undefined>>()

  constructor (components: JobPlansComponents, init: JobPlansInit) {
    this.#c = components
    this.#init = init
  }

  /** This node planned the job (it may since have finished). */
  has (jobId: string): boolean {
    return this.#plans.has(jobId) || this.#facts.has(jobId)
  }

  set (planned: PlannedJob): void {
    this.#facts.set(planned.jobId, factsOf(planned))
    if (!this.#c.ended(planned.jobId)) this.#plans.set(planned.jobId, Promise.resolve(planned))
  }

  /** The job ended: its plan goes, its facts stay. */
  finished (jobId: string): void {
    this.#plans.delete(jobId)
  }

  /** The plan of a job: planned once, from its document (local, or fetched from `from`); kept while the job runs. */
  async get (jobId: string, options: { signal: AbortSignal, from?: string[] }): Promise<PlannedJob> {
    const kept = this.#plans.get(jobId)
    if (kept !== undefined) return await kept
    // An ended job's plan (for its provenance record): made again, not kept.
    if (this.#c.ended(jobId)) return await this.#plan(jobId, { ...options, timeoutMs: JOB_FETCH_TIMEOUT_MS, keep: false })
    const planned = this.#plan(jobId, { ...options, timeoutMs: JOB_FETCH_TIMEOUT_MS, keep: true })
    this.#plans.set(jobId, planned)
    planned.then(result => {
      this.#facts.set(jobId, factsOf(result))
      // The job may have ended while its document was read.
      if (this.#c.ended(jobId)) this.finished(jobId)
    }, () => {
      // A plan that could not be made is asked for again next time (the peer may be back).
      if (this.#plans.get(jobId) === planned) this.#plans.delete(jobId)
    })
    return await planned
  }

  /** The plan if it is kept (a running job's) and ready, without waiting. */
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

  /** What the status socket shows of the job; for a job restored finished, read from its document once. */
  async facts (jobId: string, signal: AbortSignal): Promise<JobFacts | undefined> {
    const known = this.#facts.get(jobId)
    if (known !== undefined) return known
    const kept = await this.peek(jobId)
    if (kept !== undefined) return factsOf(kept)
    let reading = this.#reading.get(jobId)
    if (reading === undefined) {
      reading = this.#c.background(async () => {
        try {
          return factsOf(await this.#plan(jobId, { signal, timeoutMs: FACTS_TIMEOUT_MS, keep: false }))
        } catch {
          // Not here any more (collected), and no peer has it: the job shows what its status says.
          return undefined
        }
      })
      this.#reading.set(jobId, reading)
      reading.then(facts => {
        this.#reading.delete(jobId)
        if (facts !== undefined && !signal.aborted) this.#facts.set(jobId, facts)
      }, () => {
        this.#reading.delete(jobId)
      })
    }
    return await reading
  }

  /** Keeps the document here, pinned for a while: peers fetch it from us, and a restart re-plans from it. */
  async store (jobId: string, doc: JobDocument): Promise<void> {
    const cid = await this.#c.content.putJson(doc, { pin: { kind: 'intermediate', expiresAt: this.#c.clock.wallNow() + this.#init.intermediateTtlMs, labels: { job: jobId } } })
    if (cid.toString() !== jobId) throw new JobIdMismatchError(`job document ${jobId} was stored under another CID, ${cid.toString()}`, { jobId })
  }

  /** Forgets a job the coordinator refused: asked for again, it is planned again. */
  forget (jobId: string): void {
    this.#plans.delete(jobId)
    this.#facts.delete(jobId)
  }

  /** Forgets the plans and facts of every job not in `keep` (the coordinator forgot them). */
  prune (keep: ReadonlySet<string>): void {
    for (const jobId of this.#plans.keys()) if (!keep.has(jobId)) this.#plans.delete(jobId)
    for (const jobId of this.#facts.keys()) if (!keep.has(jobId)) this.#facts.delete(jobId)
  }

  /** Plans a job from its document; `keep`: stores the document here (fetched from a peer, it becomes ours to serve). */
  async #plan (jobId: string, options: { signal: AbortSignal, from?: string[], timeoutMs: number, keep: boolean }): Promise<PlannedJob> {
    const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)])
    const doc = parseJobDocument(await this.#c.content.getJson(CID.parse(jobId), { signal, ...defined({ from: options.from }) }), jobId)
    const result = planJob(jobId, doc, this.#c.catalog)
    if (options.keep) await this.store(jobId, doc)
    return result
  }
}
