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
