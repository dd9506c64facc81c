import type { PeerId } from '../../lease/index.ts'

/**
 * The inputs the coordinator needs from other modules, in their smallest form:
 * the membership layer's view of the cluster and the planner's steps. Nothing
 * here depends on how they are produced.
 */
export type { PeerId }

export type MemberState = 'alive' | 'suspect' | 'dead'

export interface ClusterMember {
  peerId: PeerId
  state: MemberState
  /** How many steps the node runs at once. */
  slots: number
  /** Encoders and other features steps may require (e.g. `libx264`). */
  capabilities: readonly string[]
}

/**
 * What the membership layer believes about the cluster. Views may disagree
 * between nodes; the protocol stays safe regardless (docs/LEASES.md). This
 * node's own entry, if present, is ignored: its capacity comes from its options.
 */
export interface ClusterView {
  self: PeerId
  members: readonly ClusterMember[]
}

export interface StepSpec {
  /** The recipe node id, unique in the job. */
  stepId: string
  /** 64 hex characters: the deterministic id of the computation. */
  cacheId: string
  type: string
  /** Step ids whose outputs this step consumes. */
  deps: readonly string[]
  /** Capabilities a node needs to run the step. */
  requires?: readonly string[] | undefined
  /**
   * Run it on the job's submitter when that node is a free candidate: the step
   * gathers parts the submitter already keeps copies of (a transcode's join),
   * and its output is wanted there. Any other node still takes it when the
   * submitter is busy, lacks a capability or is gone.
   */
  nearSubmitter?: boolean | undefined
}

/**
 * A member's signed statement that its run of a step under its lease at
 * `epoch` gave a CID (protocol/messages/jobs.ts). The coordinator counts
 * them; the adapter signs this node's own and checks the others' signatures
 * before they reach it.
 */
export interface Attestation {
  peer: PeerId
  epoch: number
  sig?: string | undefined
}

/** An input a run could not fetch: the step whose output it is, and the CID it asked for. */
export interface LostInput {
  cacheId: string
  cid: string
}

/** A planned job, as every node computes it from the job document. */
export interface JobSpec {
  jobId: string
  /** The node that submitted it: the one (with the operators) allowed to cancel it. */
  submitter?: PeerId | undefined
  steps: readonly StepSpec[]
  /** The step whose output is the job's result. */
  output: string
  /** The submitter's time, used only to order jobs (older first). */
  submittedAt: number
}

/** Identifies one execution of a step on this node. */
export interface ExecutionRef {
  jobId: string
  stepId: string
  cacheId: string
  epoch: number
}

export type JobState = 'running' | 'completed' | 'failed' | 'cancelled'

export type StepState = 'PENDING' | 'CLAIMED' | 'RUNNING' | 'COMPLETED' | 'CACHED' | 'FAILED'

export interface StepRef {
  jobId: string
  stepId: string
}

/** Why a job failed: the step that failed on every attempt, and what ffmpeg said last. */
export interface JobFailure {
  stepId: string
  cacheId: string
  attempts: number
  nodes: PeerId[]
  errorTail: string
}

/** What a heartbeat carries for this protocol (membership embeds it; see protocol/messages). */
export interface HeartbeatSummary {
  leases: Array<{ cacheId: string, epoch: number }>
  jobs: Array<{ jobId: string, state: JobState, output?: string | undefined }>
}
