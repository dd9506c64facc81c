import { selectPinners } from '../core/pinning.ts'
import type { PlannedJob } from './planning.ts'
import { KeptCopies } from './kept-copies.ts'
import type { CopyComponents } from './kept-copies.ts'
import type { ClusterView } from '../core/types.ts'

/** Fetching one input whole may take this long (a film over a slow link). */
const COPY_TIMEOUT_MS = 60 * 60_000

export interface InputCopiesComponents extends CopyComponents {
  /** This node's view of the cluster, as the coordinator's pinning sees it. */
  view: () => ClusterView
  /** Steps this node runs at once: a node that runs none keeps no copies. */
  slots: number
}

export interface InputCopiesInit {
  /** Nodes besides the submitter that keep a copy of each input of its jobs (0: none). */
  copies: number
  /** The copies are pinned as intermediates for this long. */
  intermediateTtlMs: number
}

/**
 * A job's inputs (the files its user added: a transcode's source, a recipe's
 * media) start on the submitter alone. If it died, every step that had not
 * read them yet could never run. So `copies` other nodes, picked by the same
 * rendezvous rule on every node (as pinners are, among the live nodes that
 * run steps, the submitter left out), fetch each input whole as soon as they
 * receive the job and keep it for the job's life. Steps read an input from
 * any node holding it, so the job goes on when its submitter dies once a copy
 * is made. The price is one more transfer of each input, in the background.
 */
export class InputCopies {
  readonly #c: InputCopiesComponents
  readonly #init: InputCopiesInit
  readonly #copies: KeptCopies

  constructor (components: InputCopiesComponents, init: InputCopiesInit) {
    this.#c = components
    this.#init = init
    this.#copies = new KeptCopies(components, 'artdag:input-copies', { timeoutMs: COPY_TIMEOUT_MS, intermediateTtlMs: init.intermediateTtlMs })
  }

  /** A job arrived from another node: copies its inputs here when this node is one of their keepers. */
  received (planned: Pick<PlannedJob, 'jobId' | 'doc'>): void {
    const submitter = planned.doc.submitter
    if (this.#init.copies <= 0 || this.#c.slots <= 0 || submitter === this.#c.self) return
    const view = this.#c.view()
    const others: ClusterView = { self: view.self, members: view.members.filter(m => m.peerId !== submitter) }
    for (const [name, cid] of Object.entries(planned.doc.inputs)) {
      if (this.#copies.has(cid) || !selectPinners(cid, others, this.#init.copies, undefined, this.#c.slots).includes(this.#c.self)) continue
      this.#c.track(
        'copy a job input',
        this.#copies.keep(planned.jobId, cid, { input: name, inputOf: planned.jobId }, submitter, { input: name })
      )
    }
  }

  /** Forgets the copies of every job not in `keep` (their pins lapse by themselves). */
  forgetAllBut (keep: ReadonlySet<string>): void {
    this.#copies.forgetAllBut(keep)
  }
}
