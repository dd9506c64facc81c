import type { JobState, PeerId, StepRef, StepState } from './types.ts'

/** Monitoring events: one per state change, with who, which attempt and how long. */
export type CoordinatorEvent = StepEvent | JobEvent | PauseEvent | MismatchEvent

export interface StepEvent {
  kind: 'step'
  at: number
  cacheId: string
  /** Every job step this cache id stands for. */
  refs: StepRef[]
  state: StepState | 'ABORTED' | 'LOST'
  /** The node the change is about (the claimant, the runner, the producer). */
  node: PeerId
  epoch: number
  /** Failed attempts so far. */
  attempt: number
  /** RUNNING: time from runnable (on this node) to the start. */
  waitedMs?: number
  /** COMPLETED/FAILED on this node: time the execution took. */
  durationMs?: number
  errorTail?: string
  /**
   * ABORTED/LOST: why; CLAIMED: `takeover` when it replaced a lapsed lease,
   * `refutation` when a live holder re-asserted its lease against a takeover,
   * `reclaim` when a claim lost only to a released one was made again.
   */
  reason?: string
}

export interface JobEvent {
  kind: 'job'
  at: number
  jobId: string
  state: JobState
  outputCid?: string
  errorTail?: string
}

/** The node noticed it had not run for `gapMs` (paused process, stalled loop) and went quiet. */
export interface PauseEvent {
  kind: 'pause'
  at: number
  gapMs: number
}

/**
 * Completions of one cache id named different CIDs: the executors disagree
 * (another ffmpeg build, a non-deterministic encoder). Every node keeps `kept`.
 */
export interface MismatchEvent {
  kind: 'mismatch'
  at: number
  cacheId: string
  refs: StepRef[]
  kept: string
  results: Array<{ cid: string, holder: PeerId, epoch: number }>
}
