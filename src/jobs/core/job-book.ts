import type { CheckedJob, CheckedStep } from './job-spec.ts'
import type { Attestation, ExecutionRef, JobFailure, JobSpec, JobState, LostInput, PeerId, StepRef } from './types.ts'

/**
 * The jobs a node knows and the work they need. Work is kept per cache id (a
 * WorkItem), shared by every job whose plan contains it, so a step two jobs
 * share is claimed, run and completed once. Results and failures are kept per
 * cache id too, even before the job that needs them arrives.
 */
export interface Completion {
  cid: string
  /** The node that produced the result (or found it in its cache). */
  holder: PeerId
  epoch: number
  cached: boolean
  /** Local time this node learned it. */
  at: number
  /** This node ran the execution that produced it. */
  byMe: boolean
  durationMs?: number
  /** The job step it was produced for: anti-entropy answers name it. */
  ref: StepRef
  /** The members' signed statements that make it count (re-sent with it). */
  attestations: Attestation[]
}

export interface Failure {
  holder: PeerId
  epoch: number
  /** The holder's signature of the failure (re-sent with it). */
  sig?: string | undefined
  errorTail?: string | undefined
  /** Local time this node learned it. */
  at: number
  /**
   * This node heard the holder claim that lease (or it is this node's own run). An unverified
   * failure still marks its holder as having tried the step, but only verified ones count toward
   * `maxAttempts` distinct nodes: members cannot fail a step with runs they never claimed.
   */
  verified: boolean
  /** The run could not fetch these inputs (losses.ts). */
  lost?: LostInput[] | undefined
  /** Those of them kept here with a holder alive, by cache id: while one is, the failure counts. */
  held?: string[] | undefined
  /** It no longer counts: the inputs it could not fetch were lost, and are made again (losses.ts). */
  moot?: boolean | undefined
}

/**
 * A result this node forgot because no node that held it is alive (losses.ts):
 * attestations of `cid` at `epoch` or below, from nodes still gone, are stale.
 */
export interface Loss {
  cid: string
  /** The highest lease epoch of the step when it was forgotten: a run made again claims above it. */
  epoch: number
  /** Local time it was forgotten. */
  at: number
  /** The failure that showed it: a reader of the step that could not fetch it. */
  evidence: { reader: string, holder: PeerId, epoch: number }
}

/** This node's own claim or execution of a work item. */
export interface MyRun {
  phase: 'settling' | 'running'
  /** The lease's epoch now (a reclaim moves it up while the execution runs on). */
  epoch: number
  /** What the execution was started as; the adapter reports back with it. */
  ref: ExecutionRef
  claimedAt: number
  settleUntil: number
  startedAt: number | undefined
  /** The holder whose lapsed lease this claim took over (it may refute: then this node yields). */
  takeoverOf: PeerId | undefined
  /** How often this node re-asserted the lease against takeovers while it ran. */
  refutations: number
}

export interface WorkItem {
  cacheId: string
  type: string
  requires: string[]
  deps: string[]
  refs: StepRef[]
  /** undefined: never looked up (a completion was already known). */
  lookup: 'pending' | 'done' | undefined
  lookupDeadline: number
  mine: MyRun | undefined
  /** The candidate list this node last ranked itself in, and since when. */
  rankKey: string | undefined
  rankSince: number
  /** When this node first saw the item runnable (for the waited-time event). */
  runnableSince: number | undefined
  /** When this node last nudged the others because nobody claimed the step. */
  stallNoticeAt?: number
  /**
   * Holders that refuted a takeover of their lease by this node: alive after
   * all. This node takes over from them again only once membership agrees they
   * are not alive, so a holder and a taker cannot raise the epoch in turns forever.
   */
  refutedBy?: Set<PeerId>
}

export interface JobRecord {
  /** As received: a snapshot stores it to plan nothing again on restore. */
  spec: JobSpec
  jobId: string
  submittedAt: number
  receivedAt: number
  steps: CheckedStep[]
  output: CheckedStep
  state: JobState
  finishedAt: number | undefined
  outputCid: string | undefined
  failure: JobFailure | undefined
  cancelReason: string | undefined
}

export class JobBook {
  readonly jobs = new Map<string, JobRecord>()
  readonly items = new Map<string, WorkItem>()
  readonly completions = new Map<string, Completion>()
  readonly failures = new Map<string, Failure[]>()
  /** Results forgotten because no node that held them is alive, by cache id. */
  readonly losses = new Map<string, Loss>()
  /** Cancelled job ids (tombstones), with the local time learned: a late submission stays cancelled. */
  readonly cancelled = new Map<string, number>()
  /** Cache ids for which completions named different CIDs: every CID seen (the kept one included). */
  readonly conflicts = new Map<string, Set<string>>()
  /** Who cancelled each cancelled job (its submitter or an operator, or unknown until the job arrives). */
  readonly cancelledBy = new Map<string, PeerId>()
  /**
   * What submitters' own cache indexes said their jobs' outputs are (`submitter|jobId` → the output's
   * cache id and CID, local time learned): a job its submitter completed that way is completed here
   * too (lifecycle.ts, takeSubmitterWord), also when the word came before the job. Keyed by job, so
   * that a word replayed later completes no other job (the submitter says it again for each job).
   * Not a result of the step.
   */
  readonly submitterWords = new Map<string, { cacheId: string, cid: string, at: number }>()

  /** The output CID the job's submitter gave for this job on its own index's word, if any. */
  submitterWordFor (job: JobRecord): string | undefined {
    const word = job.spec.submitter === undefined ? undefined : this.submitterWords.get(`${job.spec.submitter}|${job.jobId}`)
    return word?.cacheId === job.output.cacheId ? word.cid : undefined
  }
  /**
   * Results not yet confirmed: per cache id, per CID, the members that attested
   * it. One becomes a completion once enough distinct members agree.
   */
  readonly votes = new Map<string, Map<string, Map<PeerId, Attestation>>>()

  /** Members that reported a result for the cache id, whatever the CID (they do not run it again). */
  votersOf (cacheId: string): Set<PeerId> {
    const out = new Set<PeerId>()
    for (const byPeer of this.votes.get(cacheId)?.values() ?? []) for (const peer of byPeer.keys()) out.add(peer)
    return out
  }
  #order: WorkItem[] | undefined
  /** Per job, the cache ids its output still needs; recomputed when a result arrives. */
  readonly #needed = new Map<string, Set<string>>()

  /** Registers a job and returns the work items it created. */
  addJob (spec: JobSpec, job: CheckedJob, now: number): { record: JobRecord, created: WorkItem[] } {
    const record: JobRecord = {
      spec,
      jobId: job.jobId,
      submittedAt: job.submittedAt,
      receivedAt: now,
      steps: job.steps,
      output: job.output,
      state: 'running',
      finishedAt: undefined,
      outputCid: undefined,
      failure: undefined,
      cancelReason: undefined
    }
    this.jobs.set(job.jobId, record)
    const created: WorkItem[] = []
    for (const step of job.steps) {
      let item = this.items.get(step.cacheId)
      if (item === undefined) {
        item = {
          cacheId: step.cacheId,
          type: step.type,
          requires: step.requires,
          deps: step.deps,
          refs: [],
          lookup: undefined,
          lookupDeadline: 0,
          mine: undefined,
          rankKey: undefined,
          rankSince: now,
          runnableSince: undefined
        }
        this.items.set(step.cacheId, item)
        created.push(item)
      }
      if (!item.refs.some(r => r.jobId === job.jobId && r.stepId === step.stepId)) item.refs.push({ jobId: job.jobId, stepId: step.stepId })
    }
    this.#order = undefined
    return { record, created }
  }

  /** Records a result (lifecycle.ts decides which of several is kept). */
  setCompletion (cacheId: string, completion: Completion): void {
    this.completions.set(cacheId, completion)
    this.#needed.clear()
  }

  /** Forgets a result: the step is wanted again by the jobs that need it. */
  forgetCompletion (cacheId: string): void {
    this.completions.delete(cacheId)
    this.#needed.clear()
  }

  /**
   * The steps a job still needs: its output if not done, then, walking back,
   * every missing input of a needed step. A step whose consumers all have
   * their results (a cache hit downstream) is not needed, even if it failed.
   */
  neededBy (job: JobRecord): Set<string> {
    let needed = this.#needed.get(job.jobId)
    if (needed !== undefined) return needed
    needed = new Set()
    const byCache = new Map(job.steps.map(s => [s.cacheId, s]))
    const stack = [job.output.cacheId]
    while (stack.length > 0) {
      const cacheId = stack.pop() as string
      if (needed.has(cacheId) || this.completions.has(cacheId)) continue
      needed.add(cacheId)
      for (const dep of byCache.get(cacheId)?.deps ?? []) stack.push(dep)
    }
    this.#needed.set(job.jobId, needed)
    return needed
  }

  /** Forgets a job; work items no job refers to any more go with it. */
  removeJob (jobId: string): void {
    const job = this.jobs.get(jobId)
    if (job === undefined) return
    this.jobs.delete(jobId)
    this.#needed.delete(jobId)
    for (const step of job.steps) {
      const item = this.items.get(step.cacheId)
      if (item === undefined) continue
      item.refs = item.refs.filter(r => r.jobId !== jobId)
      if (item.refs.length === 0 && item.mine === undefined) this.items.delete(step.cacheId)
    }
    this.#order = undefined
  }

  /** Call when a job's state changes: the scheduling order only holds running jobs' work. */
  invalidateOrder (): void {
    this.#order = undefined
  }

  /** Work of running jobs, oldest job first, each job's steps in dependency order. */
  ordered (): WorkItem[] {
    if (this.#order !== undefined) return this.#order
    const running = [...this.jobs.values()]
      .filter(j => j.state === 'running')
      .sort((a, b) => a.submittedAt - b.submittedAt || (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0))
    const seen = new Set<string>()
    const order: WorkItem[] = []
    for (const job of running) {
      for (const step of job.steps) {
        if (seen.has(step.cacheId)) continue
        seen.add(step.cacheId)
        const item = this.items.get(step.cacheId)
        if (item !== undefined) order.push(item)
      }
    }
    this.#order = order
    return order
  }

  liveRefs (item: WorkItem): StepRef[] {
    return item.refs.filter(r => this.jobs.get(r.jobId)?.state === 'running')
  }

  /** The job step a claim or an execution is made for: the oldest running job that needs it. */
  primaryRef (item: WorkItem): StepRef {
    const live = this.liveRefs(item)
    let best: StepRef | undefined
    let bestJob: JobRecord | undefined
    for (const ref of live.length > 0 ? live : item.refs) {
      const job = this.jobs.get(ref.jobId)
      if (job === undefined) continue
      if (bestJob === undefined || job.submittedAt < bestJob.submittedAt || (job.submittedAt === bestJob.submittedAt && job.jobId < bestJob.jobId)) {
        best = ref
        bestJob = job
      }
    }
    return best ?? (item.refs[0] as StepRef)
  }

  /** The failures of a cache id that count (moot ones left out). */
  failuresOf (cacheId: string): Failure[] {
    const list = this.failures.get(cacheId)
    if (list === undefined) return []
    return list.some(f => f.moot === true) ? list.filter(f => f.moot !== true) : list
  }

  /** Adds failures not known yet (one per holder and epoch); returns how many were new. */
  addFailures (
    cacheId: string,
    incoming: ReadonlyArray<
      { holder: PeerId, epoch: number, sig?: string | undefined, errorTail?: string | undefined, verified?: boolean | undefined, lost?: LostInput[] | undefined, held?: string[] | undefined, moot?: boolean | undefined }
    >,
    now: number
  ): number {
    let list = this.failures.get(cacheId)
    if (list === undefined) {
      list = []
      this.failures.set(cacheId, list)
    }
    let added = 0
    for (const f of incoming) {
      const known = list.find(k => k.holder === f.holder && k.epoch === f.epoch)
      if (known !== undefined) {
        if (known.errorTail === undefined && f.errorTail !== undefined) known.errorTail = f.errorTail
        if (known.sig === undefined && f.sig !== undefined) known.sig = f.sig
        if (known.lost === undefined && f.lost !== undefined) {
          known.lost = f.lost
          known.held = f.held
        }
        if (f.moot === true) known.moot = true
        if (!known.verified && f.verified !== false) {
          known.verified = true
          added += 1
        }
        continue
      }
      list.push({
        holder: f.holder,
        epoch: f.epoch,
        sig: f.sig,
        errorTail: f.errorTail,
        at: now,
        verified: f.verified !== false,
        ...(f.lost !== undefined ? { lost: f.lost, held: f.held ?? [] } : {}),
        ...(f.moot === true ? { moot: true } : {})
      })
      added += 1
    }
    list.sort((a, b) => a.epoch - b.epoch || (a.holder < b.holder ? -1 : 1))
    return added
  }

  isComplete (cacheId: string): boolean {
    return this.completions.has(cacheId)
  }

  depsDone (item: WorkItem): boolean {
    for (const dep of item.deps) if (!this.completions.has(dep)) return false
    return true
  }

  /** A running job still needs the item's result, nobody has it yet, and it has not failed for good. */
  isWanted (item: WorkItem, failedForGood: (cacheId: string) => boolean): boolean {
    if (this.completions.has(item.cacheId) || failedForGood(item.cacheId)) return false
    for (const ref of item.refs) {
      const job = this.jobs.get(ref.jobId)
      if (job?.state === 'running' && this.neededBy(job).has(item.cacheId)) return true
    }
    return false
  }
}
