import type { JobResult } from '../../../src/jobs/core/effects.ts'

/**
 * What really happened in a run, in simulated time, recorded by the world
 * (not by the nodes): the property checks compare the nodes' beliefs with it.
 */
export interface ExecRecord {
  cacheId: string
  node: number
  incarnation: number
  epoch: number
  start: number
  end: number | undefined
  outcome: 'completed' | 'failed' | 'aborted' | 'killed' | undefined
  /** Why the protocol aborted it. */
  abortReason?: string
  /**
   * When its node counted it running (step RUNNING: its claim settled). A run starts at its claim;
   * one whose claim was lost while settling never is (a speculative run, aborted or its outcome dropped).
   */
  settled?: number
  /** When its node first published its outcome (a result or a failure). */
  published?: number
}

export interface Episode {
  kind: 'partition' | 'pause' | 'crash' | 'busy'
  start: number
  end: number
  nodes: number[]
  /** Partition groups. */
  groups?: number[][]
}

export class Truth {
  readonly executions: ExecRecord[] = []
  readonly byCache = new Map<string, ExecRecord[]>()
  /** When each cache id's result first existed (an execution completed, or it was cached from the start). */
  readonly firstResult = new Map<string, number>()
  /** Every CID an execution of a cache id produced (more than one when an executor diverges). */
  readonly produced = new Map<string, Set<string>>()
  /** Times at which a message about a cache id was lost or delivered late (per recipient). */
  readonly messageFaults = new Map<string, number[]>()
  readonly episodes: Episode[] = []
  /** Claims published: node, incarnation, cache id, epoch, and why (takeover, refutation, reclaim; undefined: a first claim). */
  readonly claims: Array<{ t: number, node: number, incarnation: number, cacheId: string, epoch: number, reason: string | undefined }> = []
  /** Steps started before an input existed: must stay empty. */
  readonly depViolations: string[] = []
  readonly jobResults = new Map<number, Map<string, JobResult & { at: number }>>()
  /** Every jobFinished a node reported to its user, in order (a job may be reported twice: failed, then completed). */
  readonly jobReports: Array<{ node: number, jobId: string, state: JobResult['state'], at: number }> = []
  /** Errors the nodes' drivers reported (ports, refused inputs): must stay empty. */
  readonly errors: string[] = []
  /** Runs that could not fetch an input (no node that is up held it): `config.content` only. */
  readonly inputLosses: Array<{ t: number, node: number, cacheId: string, cids: string[] }> = []
  /**
   * Speculative runs whose claim was lost while settling: started at the claim, never counted
   * running, nothing of them published (moved out of `executions` by `separateSpeculative`).
   */
  readonly speculative: ExecRecord[] = []
  /** Mismatch events the nodes emitted (executors that disagree). */
  mismatchEvents = 0
  messagesSent = 0
  messagesDropped = 0

  start (rec: ExecRecord): void {
    this.executions.push(rec)
    let list = this.byCache.get(rec.cacheId)
    if (list === undefined) {
      list = []
      this.byCache.set(rec.cacheId, list)
    }
    list.push(rec)
  }

  end (rec: ExecRecord, outcome: NonNullable<ExecRecord['outcome']>, t: number, cid?: string): void {
    rec.end = t
    rec.outcome = outcome
    if (outcome === 'completed' && !this.firstResult.has(rec.cacheId)) this.firstResult.set(rec.cacheId, t)
    if (cid !== undefined) {
      let set = this.produced.get(rec.cacheId)
      if (set === undefined) {
        set = new Set()
        this.produced.set(rec.cacheId, set)
      }
      set.add(cid)
    }
  }

  messageFault (cacheIds: readonly string[], t: number): void {
    for (const c of cacheIds) {
      let list = this.messageFaults.get(c)
      if (list === undefined) {
        list = []
        this.messageFaults.set(c, list)
      }
      list.push(t)
    }
  }

  /** A node counted its latest run of `cacheId` running: its claim settled. */
  settled (node: number, incarnation: number, cacheId: string, t: number): void {
    const rec = (this.byCache.get(cacheId) ?? []).findLast(e => e.node === node && e.incarnation === incarnation)
    if (rec !== undefined) rec.settled ??= t
  }

  /** A node published an outcome of its own run of `cacheId` (a run reports under the epoch it started with, or a later one). */
  published (node: number, incarnation: number, cacheId: string, epoch: number, t: number): void {
    const rec = (this.byCache.get(cacheId) ?? []).findLast(e => e.node === node && e.incarnation === incarnation && e.epoch <= epoch)
    if (rec !== undefined) rec.published ??= t
  }

  /**
   * At the end of a run: takes the speculative runs whose claim was lost (ended, never settled) out
   * of the runs the properties judge, and dates each step's first result by the runs that count.
   * What the settle window guarantees is about results, and these published none; bench:wan and
   * the wan-race scenario report them as the design's cost.
   */
  separateSpeculative (): void {
    const lost = (e: ExecRecord): boolean => e.settled === undefined && e.published === undefined && e.outcome !== undefined && e.outcome !== 'killed'
    this.speculative.push(...this.executions.filter(lost))
    this.executions.splice(0, this.executions.length, ...this.executions.filter(e => !lost(e)))
    for (const [cacheId, list] of this.byCache) {
      const kept = list.filter(e => !lost(e))
      this.byCache.set(cacheId, kept)
      if (this.firstResult.get(cacheId) === 0) continue
      const first = Math.min(...kept.filter(e => e.outcome === 'completed').map(e => e.end as number))
      if (Number.isFinite(first)) this.firstResult.set(cacheId, first)
      else this.firstResult.delete(cacheId)
    }
  }

  jobResult (node: number, result: JobResult, t: number): void {
    let m = this.jobResults.get(node)
    if (m === undefined) {
      m = new Map()
      this.jobResults.set(node, m)
    }
    m.set(result.jobId, { ...result, at: t })
    this.jobReports.push({ node, jobId: result.jobId, state: result.state, at: t })
  }
}
