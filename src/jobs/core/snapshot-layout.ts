import { z } from 'zod'
import { describeIssues } from '../../protocol/light/index.ts'
import { SnapshotInvalidError } from '../errors.ts'
import type { Core } from './state.ts'
import type { JobBook, JobRecord } from './job-book.ts'
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

/** What one stored entry was saved from, compared element by element by identity. */
type Parts = readonly unknown[]

/**
 * What the stored entries were saved from, by kind and id (the ids as the coordinator's maps hold
 * them: a look-up hashes no new string). Owned by the store; `markSaved` updates it once a save lands.
 */
export class SnapshotMarks {
  node: Parts | undefined
  readonly jobs = new Map<string, Parts>()
  readonly steps = new Map<string, Parts>()
  readonly cancels = new Map<string, Parts>()
}

const STALE: Parts = Object.freeze([Symbol('stale')])

/** Marks of entries that are stored but whose content is unknown (read at start): each is rewritten or deleted. */
export function staleMarks (names: Iterable<string>): SnapshotMarks {
  const marks = new SnapshotMarks()
  for (const name of names) {
    if (name === NODE_ENTRY) {
      marks.node = STALE
      continue
    }
    const at = name.indexOf('/')
    const kind = name.slice(0, at)
    let id: string
    try {
      id = decodeURIComponent(name.slice(at + 1))
    } catch {
      continue
    }
    if (kind === 'job') marks.jobs.set(id, STALE)
    else if (kind === 'step') marks.steps.set(id, STALE)
    else if (kind === 'cancel') marks.cancels.set(id, STALE)
  }
  return marks
}

type Kind = 'jobs' | 'steps' | 'cancels'

export interface SnapshotChanges {
  /** Entries to write (a JSON-serialisable value) or to delete (`undefined`), by name. */
  readonly entries: ReadonlyArray<{ name: string, value: unknown }>
  /** The marks' updates once these entries are saved (`markSaved`). */
  readonly marks: { node?: Parts, set: Array<[Kind, string, Parts]>, deleted: Array<[Kind, string]> }
}

/** Records a landed save in the marks. */
export function markSaved (marks: SnapshotMarks, changes: SnapshotChanges): void {
  if (changes.marks.node !== undefined) marks.node = changes.marks.node
  for (const [kind, id, parts] of changes.marks.set) marks[kind].set(id, parts)
  for (const [kind, id] of changes.marks.deleted) marks[kind].delete(id)
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

function same (a: Parts, b: Parts): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const NAMES: Record<Kind, (id: string) => string> = { jobs: jobEntryName, steps: stepEntryName, cancels: cancelEntryName }

/** Walks what a step's entry is saved from; stops when `see` returns false. Completions gain attestations, failures change in place (losses.ts, inbound.ts), votes are replaced. */
function walkStep (book: JobBook, cacheId: string, epoch: number, see: (part: unknown) => boolean): boolean {
  const completion = book.completions.get(cacheId)
  const failures = book.failures.get(cacheId)
  const votes = book.votes.get(cacheId)
  if (!see(completion) || !see(completion?.attestations.length) || !see(book.losses.get(cacheId)) || !see(epoch) || !see(failures) || !see(failures?.length)) return false
  for (const f of failures ?? []) {
    if (!see(f) || !see(f.moot) || !see(f.verified) || !see(f.held) || !see(f.lost) || !see(f.sig) || !see(f.errorTail)) return false
  }
  if (!see(votes) || !see(votes?.size)) return false
  for (const [cid, byPeer] of votes ?? []) {
    if (!see(cid) || !see(byPeer) || !see(byPeer.size)) return false
    for (const a of byPeer.values()) if (!see(a)) return false
  }
  return true
}

function stepEntry (book: JobBook, cacheId: string, epoch: number): StepEntry {
  const completion = book.completions.get(cacheId)
  const failures = book.failures.get(cacheId)
  const votes = book.votes.get(cacheId)
  const loss = book.losses.get(cacheId)
  return {
    cacheId,
    ...(completion !== undefined ? { completion: savedCompletion(cacheId, completion) } : {}),
    ...(votes !== undefined && votes.size > 0 ? { votes: savedVotes(cacheId, votes) } : {}),
    ...(failures !== undefined && failures.length > 0 ? { failures: savedFailures(cacheId, failures) } : {}),
    ...(loss !== undefined ? { loss: savedLoss(cacheId, loss) } : {}),
    ...(epoch > 0 ? { epoch } : {})
  }
}

function sameJob (before: Parts, job: JobRecord): boolean {
  return before[0] === job && before[1] === job.state && before[2] === job.outputCid && before[3] === job.failure && before[4] === job.cancelReason
}

/**
 * What changed since the save whose marks are `since`: the entries to write and delete. Pure (it
 * reads `since`, never changes it); the store records the save with `markSaved` only once its
 * entries are written (after a failed write, the next save writes these changes again). An
 * unchanged entry costs a few comparisons: no copy, no JSON, no new string.
 */
export function snapshotChanges (core: Core, since: SnapshotMarks): SnapshotChanges {
  const { book, leases } = core
  const entries: Array<{ name: string, value: unknown }> = []
  const marks: SnapshotChanges['marks'] = { set: [], deleted: [] }
  /** How many of the marks' entries still exist: fewer than the marks hold, and some went. */
  const kept = { jobs: 0, steps: 0, cancels: 0 }
  const changed = (kind: Kind, id: string, parts: Parts, value: unknown): void => {
    marks.set.push([kind, id, parts])
    entries.push({ name: NAMES[kind](id), value })
  }

  const held = leases.heldBySelf()
  const nodeParts = [core.o.self, ...held.flatMap(h => [h.cacheId, h.epoch])]
  if (since.node === undefined || !same(since.node, nodeParts)) {
    marks.node = nodeParts
    entries.push({ name: NODE_ENTRY, value: { v: SNAPSHOT_VERSION, self: core.o.self, held } satisfies NodeEntry })
  }

  for (const job of book.jobs.values()) {
    const before = since.jobs.get(job.jobId)
    if (before !== undefined) kept.jobs++
    if (before === undefined || !sameJob(before, job)) changed('jobs', job.jobId, [job, job.state, job.outputCid, job.failure, job.cancelReason], savedJob(job))
  }

  const cancel = (jobId: string): void => {
    const by = book.cancelledBy.get(jobId)
    const cancelled = book.cancelled.has(jobId)
    const before = since.cancels.get(jobId)
    if (before !== undefined) kept.cancels++
    if (before === undefined || before[0] !== cancelled || before[1] !== by) changed('cancels', jobId, [cancelled, by], { jobId, cancelled, ...(by !== undefined ? { by } : {}) } satisfies CancelEntry)
  }
  for (const jobId of book.cancelled.keys()) cancel(jobId)
  for (const jobId of book.cancelledBy.keys()) if (!book.cancelled.has(jobId)) cancel(jobId)

  const step = (cacheId: string): void => {
    const epoch = leases.maxEpoch(cacheId)
    const before = since.steps.get(cacheId)
    if (before !== undefined) kept.steps++
    if (before !== undefined) {
      let i = 0
      if (walkStep(book, cacheId, epoch, part => before[i++] === part) && i === before.length) return
    }
    const parts: unknown[] = []
    walkStep(book, cacheId, epoch, part => parts.push(part) > 0)
    changed('steps', cacheId, parts, stepEntry(book, cacheId, epoch))
  }
  // Every cache id once: the first map that has it walks it.
  for (const cacheId of book.completions.keys()) step(cacheId)
  for (const cacheId of book.failures.keys()) if (!book.completions.has(cacheId)) step(cacheId)
  for (const cacheId of book.losses.keys()) if (!book.completions.has(cacheId) && !book.failures.has(cacheId)) step(cacheId)
  for (const cacheId of book.votes.keys()) if (!book.completions.has(cacheId) && !book.failures.has(cacheId) && !book.losses.has(cacheId)) step(cacheId)
  for (const cacheId of leases.cacheIds()) {
    if (leases.maxEpoch(cacheId) > 0 && !book.completions.has(cacheId) && !book.failures.has(cacheId) && !book.losses.has(cacheId) && !book.votes.has(cacheId)) step(cacheId)
  }

  // Deleted: in the marks, not in the state (looked for only when the counts say some went).
  const present: Record<Kind, (id: string) => boolean> = {
    jobs: id => book.jobs.has(id),
    cancels: id => book.cancelled.has(id) || book.cancelledBy.has(id),
    steps: id => book.completions.has(id) || book.failures.has(id) || book.losses.has(id) || book.votes.has(id) || leases.maxEpoch(id) > 0
  }
  for (const kind of ['jobs', 'steps', 'cancels'] as const) {
    if (kept[kind] === since[kind].size) continue
    for (const id of since[kind].keys()) {
      if (present[kind](id)) continue
      marks.deleted.push([kind, id])
      entries.push({ name: NAMES[kind](id), value: undefined })
    }
  }
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
