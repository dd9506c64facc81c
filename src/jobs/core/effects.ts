import type { LeaseMessage } from '../../protocol/index.ts'
import type { JobCancelledMessage, StepCompletedMessage, StepFailedMessage } from '../../protocol/index.ts'
import type { CoordinatorEvent } from './events.ts'
import type { Attestation, ExecutionRef, JobFailure, PeerId } from './types.ts'

/**
 * What the coordinator asks its adapter to do. Inputs return these in order;
 * the adapter performs them and reports back through the coordinator's inputs.
 */

/** Every message the coordinator sends or takes in (job_submitted is planned by the adapter first). */
export type CoordinatorMessage = LeaseMessage | StepCompletedMessage | StepFailedMessage | JobCancelledMessage

export type AbortReason =
  /** A better claim won the lease (a concurrent claim or a takeover). */
  | 'lost_lease'
  /** This node took the lease over, and its holder, alive after all, refuted the takeover. */
  | 'refuted'
  /** Another node's result, or a cache hit, arrived first. */
  | 'completed_elsewhere'
  /** Every job that needed the step was cancelled. */
  | 'cancelled'
  /** Every job that needed the step finished or failed without it. */
  | 'not_needed'

export type Effect =
  /** Publish on `topic` (LEASE_TOPIC or JOBS_TOPIC). Best effort: losing it is survivable. */
  | { type: 'publish', topic: string, message: CoordinatorMessage }
  /** Run the step (plan of `jobId`, node `stepId`); report with onExecutionFinished/Failed. */
  | { type: 'startExecution', execution: ExecutionRef }
  /** Kill the execution; nothing needs to be reported back (a result that still arrives is used). */
  | { type: 'abortExecution', execution: ExecutionRef, reason: AbortReason }
  /**
   * Look these up and answer each with onCacheLookupResult before `deadline`:
   * `network` asks the local index, then the DHT; `index` only the local index
   * (the submitter asked the DHT for the cluster a moment ago).
   */
  | { type: 'lookupCache', cacheIds: string[], deadline: number, scope: LookupScope }
  /** Record `cacheId → cid` in the local index and the DHT. */
  | { type: 'putCacheRecord', cacheId: string, cid: string, stepType: string, attestations: readonly Attestation[] }
  /** A peer knows a job this node does not: fetch its document, plan it, call onJobReceived. */
  | { type: 'fetchJob', jobId: string, from: PeerId }
  /** A job reached its end on this node. */
  | { type: 'jobFinished', result: JobResult }
  /** Durable state changed: save snapshot() (debounce freely; a stale one only costs time). */
  | { type: 'persist' }
  /** For logs, metrics and the status API. */
  | { type: 'event', event: CoordinatorEvent }

export type LookupScope = 'network' | 'index'

export type JobResult =
  | {
    jobId: string
    state: 'completed'
    outputCid: string
    /** The nodes that pin the output: the top `replication` live nodes ranked for the CID. */
    pinners: PeerId[]
    pinOnSelf: boolean
  }
  | { jobId: string, state: 'failed', failure: JobFailure }
  | { jobId: string, state: 'cancelled', reason: string | undefined }

export interface CoordinatorOutput {
  effects: Effect[]
  /** Call tick() at this time (local clock) at the latest; never more than maxTickIntervalMs ahead. */
  nextWakeAt: number
}

/** Collects the effects of one input and the earliest time the coordinator must run again. */
export class Outbox {
  readonly effects: Effect[] = []
  wake = Number.POSITIVE_INFINITY
  /** The earliest wake-up at which a claim or a start may be decided. */
  decision = Number.POSITIVE_INFINITY
  persist = false

  push (effect: Effect): void {
    this.effects.push(effect)
  }

  wakeAt (time: number): void {
    if (time < this.wake) this.wake = time
  }

  /** A wake-up at which a claim or a start may be decided (lateness then matters). */
  decideAt (time: number): void {
    this.wakeAt(time)
    if (time < this.decision) this.decision = time
  }

  event (event: CoordinatorEvent): void {
    this.effects.push({ type: 'event', event })
  }
}
