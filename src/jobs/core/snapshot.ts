import { z } from 'zod'
import { describeIssues } from '../../protocol/light/index.ts'
import { JOB_STATES } from '../../protocol/light/index.ts'
import type { Core } from './state.ts'
import { SnapshotInvalidError } from '../errors.ts'
import { defined } from '../../defined.ts'

/**
 * What a node persists so that a restarted daemon resumes its jobs: the jobs
 * and their outcomes, the results and failures it knows, the highest lease
 * epoch seen per cache id (epochs must keep growing across restarts), and the
 * leases it held (released on restore: the executions died with the process).
 * Times inside are not kept: they belong to the old process's clock.
 */
export const SNAPSHOT_VERSION = 1

const stepSpecSchema = z.object({
  stepId: z.string(),
  cacheId: z.string(),
  type: z.string(),
  deps: z.array(z.string()),
  requires: z.array(z.string()).optional(),
  nearSubmitter: z.boolean().optional()
})

const attestation = z.object({ peer: z.string(), epoch: z.number().int().nonnegative(), sig: z.string().optional() })

const jobFailureSchema = z.object({
  stepId: z.string(),
  cacheId: z.string(),
  attempts: z.number(),
  nodes: z.array(z.string()),
  errorTail: z.string()
})

export const snapshotSchema = z.object({
  v: z.literal(SNAPSHOT_VERSION),
  self: z.string(),
  jobs: z.array(z.object({
    spec: z.object({ jobId: z.string(), steps: z.array(stepSpecSchema), output: z.string(), submittedAt: z.number(), submitter: z.string().optional() }),
    state: z.enum(JOB_STATES),
    outputCid: z.string().optional(),
    failure: jobFailureSchema.optional(),
    cancelReason: z.string().optional()
  })),
  cancelled: z.array(z.string()),
  /** Who cancelled each cancelled job (cancel authority, kept across restarts). */
  cancelledBy: z.array(z.tuple([z.string(), z.string()])).optional(),
  completions: z.array(z.object({
    cacheId: z.string(),
    cid: z.string(),
    holder: z.string(),
    epoch: z.number().int().nonnegative(),
    cached: z.boolean(),
    jobId: z.string(),
    stepId: z.string(),
    attestations: z.array(attestation).optional()
  })),
  /** Results not confirmed yet: one entry per member's vote. */
  votes: z.array(z.object({ cacheId: z.string(), cid: z.string(), peer: z.string(), epoch: z.number().int().nonnegative(), sig: z.string().optional() })).optional(),
  failures: z.array(z.object({
    cacheId: z.string(),
    holder: z.string(),
    epoch: z.number().int().positive(),
    sig: z.string().optional(),
    errorTail: z.string().optional(),
    verified: z.boolean().optional(),
    /** A run's failure to fetch these inputs (losses.ts), and those of them kept with a holder alive. */
    lost: z.array(z.object({ cacheId: z.string(), cid: z.string() })).optional(),
    held: z.array(z.string()).optional(),
    /** It no longer counts: the inputs were lost and are made again. */
    moot: z.boolean().optional()
  })),
  /** Results forgotten because every node that held them died, and the failure that showed it. */
  losses: z.array(z.object({
    cacheId: z.string(),
    cid: z.string(),
    epoch: z.number().int().nonnegative(),
    reader: z.string(),
    holder: z.string(),
    readerEpoch: z.number().int().positive()
  })).optional(),
  epochs: z.array(z.tuple([z.string(), z.number().int().nonnegative()])),
  held: z.array(z.object({ cacheId: z.string(), epoch: z.number().int().positive() }))
})

export type CoordinatorSnapshot = z.infer<typeof snapshotSchema>

export function takeSnapshot (core: Core): CoordinatorSnapshot {
  const { book } = core
  return {
    v: SNAPSHOT_VERSION,
    self: core.o.self,
    jobs: [...book.jobs.values()].map(j => ({
      spec: {
        jobId: j.spec.jobId,
        steps: j.spec.steps.map(s => ({ stepId: s.stepId, cacheId: s.cacheId, type: s.type, deps: [...s.deps], ...(s.requires !== undefined ? { requires: [...s.requires] } : {}) })),
        output: j.spec.output,
        submittedAt: j.spec.submittedAt,
        ...defined({ submitter: j.spec.submitter })
      },
      state: j.state,
      ...defined({ outputCid: j.outputCid }),
      ...defined({ failure: j.failure }),
      ...defined({ cancelReason: j.cancelReason })
    })),
    cancelled: [...book.cancelled.keys()],
    completions: [...book.completions].map(([cacheId, c]) => ({
      cacheId,
      cid: c.cid,
      holder: c.holder,
      epoch: c.epoch,
      cached: c.cached,
      jobId: c.ref.jobId,
      stepId: c.ref.stepId,
      attestations: c.attestations.map(a => ({ peer: a.peer, epoch: a.epoch, ...defined({ sig: a.sig }) }))
    })),
    votes: [...book.votes].flatMap(([cacheId, byCid]) => [...byCid].flatMap(([cid, byPeer]) => [...byPeer.values()].map(a => ({ cacheId, cid, peer: a.peer, epoch: a.epoch, ...defined({ sig: a.sig }) })))),
    cancelledBy: [...book.cancelledBy],
    failures: [...book.failures].flatMap(([cacheId, list]) =>
      list.map(f => ({
        cacheId,
        holder: f.holder,
        epoch: f.epoch,
        ...defined({ sig: f.sig }),
        ...(f.verified ? {} : { verified: false }),
        ...defined({ errorTail: f.errorTail }),
        ...(f.lost !== undefined ? { lost: f.lost.map(l => ({ cacheId: l.cacheId, cid: l.cid })), held: [...(f.held ?? [])] } : {}),
        ...(f.moot === true ? { moot: true } : {})
      }))
    ),
    losses: [...book.losses].map(([cacheId, l]) => ({ cacheId, cid: l.cid, epoch: l.epoch, reader: l.evidence.reader, holder: l.evidence.holder, readerEpoch: l.evidence.epoch })),
    epochs: core.leases.epochs(),
    held: core.leases.heldBySelf()
  }
}

/** Parses a persisted snapshot (e.g. JSON read back from disk) for this node. */
export function parseSnapshot (value: unknown, self: string): CoordinatorSnapshot {
  const parsed = snapshotSchema.safeParse(value)
  if (!parsed.success) throw new SnapshotInvalidError(`coordinator snapshot is invalid: ${describeIssues(parsed.error)}`)
  if (parsed.data.self !== self) {
    throw new SnapshotInvalidError(`coordinator snapshot belongs to node ${parsed.data.self}, not to this node ${self}`)
  }
  return parsed.data
}
