import type { PlannedJob } from './planning.ts'
import { KeptCopies } from './kept-copies.ts'
import type { CopyComponents } from './kept-copies.ts'
import type { StepCatalog } from '../../plan/index.ts'
import type { JobStatus } from '../core/status.ts'
import type { StepEvent } from '../core/events.ts'

/** Fetching one part may take this long. */
const COPY_TIMEOUT_MS = 10 * 60_000

export interface PartCopiesComponents extends CopyComponents {
  catalog: StepCatalog
  /** The job's plan, if this node has it. */
  plan: (jobId: string) => Promise<PlannedJob | undefined>
  status: (jobId: string) => JobStatus | undefined
}

export interface PartCopiesInit {
  /** The copies are pinned as intermediates for this long. */
  intermediateTtlMs: number
}

/**
 * The submitter of a job keeps a copy of each part another node made for it
 * (the steps whose type is `gathered`: a transcode's chunks and its sound),
 * fetched as soon as the part is announced. The step that gathers the parts
 * (the join) reads a part from any node that holds it, so a producer that
 * dies after its part is copied costs nothing: the part is not made again.
 * A part whose only copy dies with its producer is made again once the join
 * fails to read it (src/jobs/core/losses.ts): the copies save that wait.
 */
export class PartCopies {
  readonly #c: PartCopiesComponents
  readonly #copies: KeptCopies

  constructor (components: PartCopiesComponents, init: PartCopiesInit) {
    this.#c = components
    this.#copies = new KeptCopies(components, 'artdag:part-copies', { timeoutMs: COPY_TIMEOUT_MS, intermediateTtlMs: init.intermediateTtlMs })
  }

  /** A step completed somewhere: copies its output here when it is a part of a job submitted here. */
  completed (event: Pick<StepEvent, 'cacheId' | 'refs' | 'node'>): void {
    if (event.node === this.#c.self) return
    this.#c.track('copy a part', this.#copy(event))
  }

  /** Forgets the copies of every job not in `keep` (their pins lapse by themselves). */
  forgetAllBut (keep: ReadonlySet<string>): void {
    this.#copies.forgetAllBut(keep)
  }

  async #copy (event: Pick<StepEvent, 'cacheId' | 'refs' | 'node'>): Promise<void> {
    for (const ref of event.refs) {
      const planned = await this.#c.plan(ref.jobId)
      if (planned === undefined || planned.doc.submitter !== this.#c.self) continue
      const step = planned.plan.steps.find(s => s.id === ref.stepId)
      if (step === undefined || this.#c.catalog.get(step.type)?.gathered !== true) continue
      const cid = this.#c.status(ref.jobId)?.steps.find(s => s.cacheId === event.cacheId)?.cid
      if (cid === undefined || this.#copies.has(cid)) return
      await this.#copies.keep(ref.jobId, cid, { cacheId: event.cacheId, step: ref.stepId, partOf: ref.jobId }, event.node, { step: ref.stepId })
      return
    }
  }
}
