import { z } from 'zod'
import { describeIssues } from '../../protocol/light/index.ts'
import { SnapshotInvalidError } from '../errors.ts'
import type { Core } from './state.ts'
import { WHOLE_SNAPSHOT_VERSION, savedCompletion, savedCompletionSchema, savedFailureSchema, savedFailures, savedHeldSchema, savedJob, savedJobSchema, savedLoss, savedLossSchema, savedVoteSchema, savedVotes } from './snapshot.ts'
import type { CoordinatorSnapshot } from './snapshot.ts'

/**
 * The snapshot as the store keeps it (layout 2): one entry per kept job, one per cache id with
 * something to keep (its result, votes, failures, loss, highest lease epoch), one per cancelled job,
 * and one for the node (its id, the leases it holds). A save writes only the entries that changed
 * since the last save that landed, and deletes those that went (a job forgotten): `snapshotChanges`
 * compares the state with that save's marks (object identity and the few fields the handlers change
 * in place), so an unchanged job is neither serialized nor written. Layout 1 was the whole snapshot
 * as one value (snapshot.ts); the store reads it once and rewrites it in this layout.
 */
export const SNAPSHOT_VERSION = 2

/** The node's entry; the others are `job/<jobId>`, `step/<cacheId>`, `cancel/<jobId>` (ids URI-encoded). */
export const NODE_ENTRY = 'node'

const nodeEntrySchema = z.object({ v: z.literal(SNAPSHOT_VERSION), self: z.string(), held: z.array(savedHeldSchema) })

const stepEntrySchema = z.object({
  cacheId: z.string(),
  completion: savedCompletionSchema.optional(),
  votes: z.array(savedVoteSchema).optional(),
  failures: z.array(savedFailureSchema).optional(),
  loss: savedLossSchema.optional(),
  /** The highest lease epoch seen: a restarted node never claims below it. */
  epoch: z.number().int().nonnegative().optional()
})

const cancelEntrySchema = z.object({ jobId: z.string(), cancelled: z.boolean(), by: z.string().optional() })

type NodeEntry = z.infer<typeof nodeEntrySchema>
type StepEntry = z.infer<typeof stepEntrySchema>
type CancelEntry = z.infer<typeof cancelEntrySchema>

/** An entry read back: its kind and its checked value. */
export type SnapshotEntry =
  | { kind: 'node', value: NodeEntry }
  | { kind: 'job', value: z.infer<typeof savedJobSchema> }
  | { kind: 'step', value: StepEntry }
  | { kind: 'cancel', value: CancelEntry }

/** Per entry name, what it was saved from (compared by identity, element by element). */
export type SnapshotMarks = ReadonlyMap<string, readonly unknown[]>

/** The marks of entries that are stored but whose content is unknown (read at start): each is rewritten or deleted. */
export function staleMarks (names: Iterable<string>): SnapshotMarks {
  return new Map([...names].map(name => [name, STALE]))
}

const STALE: readonly unknown[] = Object.freeze([Symbol('stale')])

export interface SnapshotChanges {
  /** Entries to write (a JSON-serialisable value) or to delete (`undefined`), by name. */
  readonly entries: ReadonlyArray<{ name: string, value: unknown }>
  /** The marks once these entries are saved: the next call compares with them. */
  readonly marks: SnapshotMarks
}

export function jobEntryName (jobId: string): string {
  return `job/${encodeURIComponent(jobId)}`
}

export function stepEntryName (cacheId: string): string {
  return `step/${encodeURIComponent(cacheId)}`
}

export function cancelEntryName (jobId: string): string {
  return `cancel/${encodeURIComponent(jobId)}`
}

function same (a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * What changed since the save whose marks are `since`: the entries to write and delete. Pure; the
 * caller keeps the returned marks only once the entries are written (a failed write leaves the
 * old ones, so the next save writes its changes again).
 */
export function snapshotChanges (core: Core, since: SnapshotMarks): SnapshotChanges {
  const { book } = core
  const marks = new Map<string, readonly unknown[]>()
  const entries: Array<{ name: string, value: unknown }> = []
  const visit = (name: string, parts: unknown[], value: () => unknown): void => {
    const before = since.get(name)
    if (before !== undefined && same(before, parts)) {
      marks.set(name, before)
      return
    }
    marks.set(name, parts)
    entries.push({ name, value: value() })
  }

  const held = core.leases.heldBySelf()
  visit(NODE_ENTRY, [core.o.self, ...held.flatMap(h => [h.cacheId, h.epoch])], (): NodeEntry => ({ v: SNAPSHOT_VERSION, self: core.o.self, held }))

  for (const job of book.jobs.values()) {
    visit(jobEntryName(job.jobId), [job, job.state, job.outputCid, job.failure, job.cancelReason], () => savedJob(job))
  }

  const cancels = new Set([...book.cancelled.keys(), ...book.cancelledBy.keys()])
  for (const jobId of cancels) {
    const by = book.cancelledBy.get(jobId)
    const cancelled = book.cancelled.has(jobId)
    visit(cancelEntryName(jobId), [cancelled, by], (): CancelEntry => ({ jobId, cancelled, ...(by !== undefined ? { by } : {}) }))
  }

  const epochs = new Map(core.leases.epochs())
  const cacheIds = new Set([...book.completions.keys(), ...book.failures.keys(), ...book.losses.keys(), ...book.votes.keys(), ...epochs.keys()])
  for (const cacheId of cacheIds) {
    const completion = book.completions.get(cacheId)
    const failures = book.failures.get(cacheId)
    const loss = book.losses.get(cacheId)
    const votes = book.votes.get(cacheId)
    const epoch = epochs.get(cacheId)
    // Completions gain attestations, failures change in place (losses.ts, inbound.ts), votes are replaced.
    const parts: unknown[] = [completion, completion?.attestations.length, loss, epoch, failures, failures?.length]
    for (const f of failures ?? []) parts.push(f, f.moot, f.verified, f.held, f.lost, f.sig, f.errorTail)
    parts.push(votes, votes?.size)
    for (const [cid, byPeer] of votes ?? []) {
      parts.push(cid, byPeer, byPeer.size)
      for (const a of byPeer.values()) parts.push(a)
    }
    visit(stepEntryName(cacheId), parts, (): StepEntry => ({
      cacheId,
      ...(completion !== undefined ? { completion: savedCompletion(cacheId, completion) } : {}),
      ...(votes !== undefined && votes.size > 0 ? { votes: savedVotes(cacheId, votes) } : {}),
      ...(failures !== undefined && failures.length > 0 ? { failures: savedFailures(cacheId, failures) } : {}),
      ...(loss !== undefined ? { loss: savedLoss(cacheId, loss) } : {}),
      ...(epoch !== undefined ? { epoch } : {})
    }))
  }

  for (const name of since.keys()) if (!marks.has(name)) entries.push({ name, value: undefined })
  return { entries, marks }
}

/** Checks an entry read back by its name (throws SnapshotInvalidError). */
export function readEntry (name: string, value: unknown): SnapshotEntry {
  const kind = name === NODE_ENTRY ? 'node' : name.slice(0, name.indexOf('/'))
  const check = <T>(schema: z.ZodType<T>): T => {
    const parsed = schema.safeParse(value)
    if (!parsed.success) throw new SnapshotInvalidError(`snapshot entry ${name} is invalid: ${describeIssues(parsed.error)}`)
    return parsed.data
  }
  switch (kind) {
    case 'node':
      return { kind, value: check(nodeEntrySchema) }
    case 'job':
      return { kind, value: check(savedJobSchema) }
    case 'step':
      return { kind, value: check(stepEntrySchema) }
    case 'cancel':
      return { kind, value: check(cancelEntrySchema) }
    default:
      throw new SnapshotInvalidError(`snapshot entry ${name} is of no known kind`)
  }
}

/** The whole snapshot from the entries read back (for `restore`); `self` when the node's entry is missing. */
export function joinEntries (entries: readonly SnapshotEntry[], self: string): CoordinatorSnapshot {
  const whole: CoordinatorSnapshot = { v: WHOLE_SNAPSHOT_VERSION, self, jobs: [], cancelled: [], cancelledBy: [], completions: [], votes: [], failures: [], losses: [], epochs: [], held: [] }
  for (const entry of entries) {
    switch (entry.kind) {
      case 'node':
        whole.self = entry.value.self
        whole.held.push(...entry.value.held)
        break
      case 'job':
        whole.jobs.push(entry.value)
        break
      case 'cancel':
        if (entry.value.cancelled) whole.cancelled.push(entry.value.jobId)
        if (entry.value.by !== undefined) whole.cancelledBy?.push([entry.value.jobId, entry.value.by])
        break
      case 'step': {
        const s = entry.value
        if (s.completion !== undefined) whole.completions.push(s.completion)
        whole.votes?.push(...(s.votes ?? []))
        whole.failures.push(...(s.failures ?? []))
        if (s.loss !== undefined) whole.losses?.push(s.loss)
        if (s.epoch !== undefined) whole.epochs.push([s.cacheId, s.epoch])
        break
      }
    }
  }
  return whole
}
