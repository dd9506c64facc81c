import { failedForGood } from './attempts.ts'
import { settleMs } from './state.ts'
import type { Core } from './state.ts'
import type { JobRecord } from './job-book.ts'
import type { JobFailure, JobState, PeerId, StepState } from './types.ts'
import { defined } from '../../defined.ts'

/** What the status API shows about a job, as this node sees it. */
export interface JobStatus {
  jobId: string
  state: JobState
  submittedAt: number
  /** Local clock. */
  receivedAt: number
  finishedAt?: number
  outputCid?: string
  failure?: JobFailure
  steps: StepStatus[]
  /** Steps for which nodes returned different CIDs: all of them, and the one every node keeps. */
  mismatches: Array<{ stepId: string, cacheId: string, kept: string | undefined, cids: string[] }>
}

export interface StepStatus {
  stepId: string
  cacheId: string
  type: string
  state: StepState
  /** The node holding the lease (CLAIMED/RUNNING) or that produced the result. */
  node?: PeerId
  epoch?: number
  /** Failed attempts so far. */
  attempts: number
  cid?: string
  /** How long the run that produced the result took, as its producer reported it. */
  durationMs?: number
  errorTail?: string
}

export function jobStatus (core: Core, job: JobRecord, now: number): JobStatus {
  const steps = job.steps.map((step): StepStatus => {
    // Failures of leases this node never heard claimed are no attempts (a member's word alone).
    const failures = core.book.failuresOf(step.cacheId).filter(f => f.verified)
    const base = { stepId: step.stepId, cacheId: step.cacheId, type: step.type, attempts: failures.length }
    const tail = failures.filter(f => f.errorTail !== undefined).at(-1)?.errorTail
    const withTail = tail !== undefined ? { errorTail: tail } : {}
    const completion = core.book.completions.get(step.cacheId)
    if (completion !== undefined) {
      // A result this job did not have computed for it (a cache hit, or a run for another job) is CACHED here.
      const cached = completion.cached || completion.ref.jobId !== job.jobId
      return { ...base, state: cached ? 'CACHED' : 'COMPLETED', node: completion.holder, epoch: completion.epoch, cid: completion.cid, ...defined({ durationMs: completion.durationMs }) }
    }
    if (failedForGood(core, step.cacheId)) return { ...base, ...withTail, state: 'FAILED' }
    if (job.state === 'completed') {
      // Completed on its submitter's word (its own cache index: lifecycle.ts takeSubmitterWord): the
      // output is the submitter's, and the pinners fetch it from there and name it as its producer.
      const submitter = job.spec.submitter
      if (step.cacheId === job.output.cacheId && submitter !== undefined && job.outputCid !== undefined && core.book.submitterWordFor(job) === job.outputCid) {
        return { ...base, state: 'CACHED', node: submitter, cid: job.outputCid }
      }
      // A completed job needs no other step without a result: whatever runs of it runs for another job.
      return { ...base, ...withTail, state: 'PENDING' }
    }
    const mine = core.book.items.get(step.cacheId)?.mine
    if (mine !== undefined) return { ...base, ...withTail, state: mine.phase === 'running' ? 'RUNNING' : 'CLAIMED', node: core.o.self, epoch: mine.epoch }
    const holder = core.leases.holder(step.cacheId, now)
    // Another node's claim that outlived the settle window unbeaten is being run by its holder.
    if (holder !== undefined) return { ...base, ...withTail, state: now - holder.since > settleMs(core, now) ? 'RUNNING' : 'CLAIMED', node: holder.holder, epoch: holder.epoch }
    return { ...base, ...withTail, state: 'PENDING' }
  })
  return {
    jobId: job.jobId,
    state: job.state,
    submittedAt: job.submittedAt,
    receivedAt: job.receivedAt,
    ...defined({ finishedAt: job.finishedAt }),
    ...defined({ outputCid: job.outputCid }),
    ...defined({ failure: job.failure }),
    steps,
    mismatches: job.steps.flatMap(step => {
      const cids = core.book.conflicts.get(step.cacheId)
      return cids === undefined ? [] : [{ stepId: step.stepId, cacheId: step.cacheId, kept: core.book.completions.get(step.cacheId)?.cid, cids: [...cids].sort() }]
    })
  }
}
