import { describe, expect, it } from 'vitest'
import { SnapshotInvalidError } from '../../../src/jobs/errors.ts'
import { joinEntries, markSaved, readEntry, SnapshotMarks } from '../../../src/jobs/core/snapshot-layout.ts'
import type { StepCoordinator } from '../../../src/jobs/core/coordinator.ts'
import { snapshotSchema } from '../../../src/jobs/core/snapshot.ts'
import type { CoordinatorSnapshot } from '../../../src/jobs/core/snapshot.ts'
import { A, B, cacheId, chainJob, cidOf, failed, jobId, missAll, node, runUntil } from './fixtures.ts'

/** A store of entries as the adapter keeps them: JSON by name, and the marks of the last save. */
class Entries {
  readonly stored = new Map<string, string>()
  readonly marks = new SnapshotMarks()

  /** Saves what changed; returns the names written and deleted. */
  save (c: StepCoordinator): { written: string[], deleted: string[] } {
    const changes = c.snapshotChanges(this.marks)
    const { entries } = changes
    for (const { name, value } of entries) {
      if (value === undefined) this.stored.delete(name)
      else this.stored.set(name, JSON.stringify(value))
    }
    markSaved(this.marks, changes)
    return { written: entries.filter(e => e.value !== undefined).map(e => e.name), deleted: entries.filter(e => e.value === undefined).map(e => e.name) }
  }

  load (self: string): CoordinatorSnapshot {
    return joinEntries([...this.stored].map(([name, json]) => readEntry(name, JSON.parse(json))), self)
  }
}

/** Runs job n (one step, cache id n) to completion on `c` at `t`. */
function complete (c: StepCoordinator, n: number, t: number): void {
  missAll(c, c.onJobReceived(chainJob(jobId(n), [cacheId(n)], t), t), t + 1)
  // Every wake-up the node asks for: the claim, its run started, its settle window over.
  runUntil(c, t + 2, t + 90)
  c.onExecutionFinished({ jobId: jobId(n), stepId: 's0', cacheId: cacheId(n), epoch: 1 }, cidOf(cacheId(n)), t + 100)
  expect(c.job(jobId(n), t + 100)?.state).toBe('completed')
}

/** The snapshot with its lists in one order, to compare. */
function sorted (whole: CoordinatorSnapshot): unknown {
  // Through the schema: its key order, as read back.
  const s = snapshotSchema.parse(whole)
  const order = (list: readonly unknown[] | undefined): unknown[] => (list ?? []).map(x => JSON.stringify(x)).sort()
  return {
    self: s.self,
    jobs: order(s.jobs),
    cancelled: order(s.cancelled),
    cancelledBy: order(s.cancelledBy),
    completions: order(s.completions),
    votes: order(s.votes),
    failures: order(s.failures),
    losses: order(s.losses),
    epochs: order(s.epochs),
    held: order(s.held)
  }
}

describe('snapshot by entry', () => {
  it('writes every entry once, then only those an input changed', () => {
    const c = node(A)
    for (let n = 1; n <= 5; n++) complete(c, n, n * 1000)
    const store = new Entries()
    const first = store.save(c)
    expect(first.written).toEqual(expect.arrayContaining(['node', ...[1, 2, 3, 4, 5].flatMap(n => [`job/${jobId(n)}`, `step/${cacheId(n)}`])]))
    expect(store.save(c)).toEqual({ written: [], deleted: [] })

    // A new job: its entry, its step's (claimed: an epoch), the node's (a lease held); the kept jobs are not written.
    missAll(c, c.onJobReceived(chainJob(jobId(6), [cacheId(6)], 9000), 9000), 9001)
    runUntil(c, 9002, 9090)
    expect(store.save(c).written.sort()).toEqual(['node', `job/${jobId(6)}`, `step/${cacheId(6)}`].sort())
    // Another member's failure of a step: that step's entry only.
    c.onMessage(failed(B, cacheId(7), 2), 9100)
    expect(store.save(c).written.filter(name => name !== 'node')).toEqual([`step/${cacheId(7)}`])
    // A vote of another member for a kept step: that step's entry only.
    c.onMessage({ v: 1, type: 'step_completed', jobId: jobId(2), stepId: 's0', cacheId: cacheId(2), cid: cidOf(cacheId(2)), epoch: 4, holder: B, sender: B, attestations: [{ peer: B, epoch: 4 }], cached: false, sentAt: 0 }, 9200)
    const vote = store.save(c)
    expect(vote.written.filter(name => name !== 'node')).toEqual([`step/${cacheId(2)}`])
    expect(store.save(c)).toEqual({ written: [], deleted: [] })
  })

  it("deletes the entry of a job it forgets, and rewrites its step's without the result it forgot", () => {
    const c = node(A, { finishedJobRetentionMs: 10_000, leaseIdleRetentionMs: 10_000 })
    complete(c, 1, 0)
    complete(c, 2, 55_000)
    const store = new Entries()
    store.save(c)
    expect(JSON.parse(store.stored.get(`step/${cacheId(1)}`) ?? '{}')).toHaveProperty('completion')
    // The collection every minute: job 1 ended long enough ago, job 2 did not.
    c.tick(60_000)
    const gone = store.save(c)
    expect(gone.deleted).toEqual([`job/${jobId(1)}`])
    expect(gone.written).toContain(`step/${cacheId(1)}`)
    expect(gone.written).not.toContain(`job/${jobId(2)}`)
    // What is left of step 1 is its votes (kept for good by the coordinator), no result, no epoch.
    const step = JSON.parse(store.stored.get(`step/${cacheId(1)}`) ?? '{}') as Record<string, unknown>
    expect(Object.keys(step).sort()).toEqual(['cacheId', 'votes'])
    expect(sorted(store.load(A))).toEqual(sorted(c.snapshot()))
  })

  it('saves what a failed save did not, comparing with the last save that landed', () => {
    const c = node(A)
    complete(c, 1, 0)
    const store = new Entries()
    store.save(c)
    complete(c, 2, 1000)
    const lost = c.snapshotChanges(store.marks)
    expect(lost.entries.length).toBeGreaterThan(0)
    // The write failed: the store keeps its marks, and the next save writes the same entries.
    expect(c.snapshotChanges(store.marks).entries.map(e => e.name).sort()).toEqual(lost.entries.map(e => e.name).sort())
  })

  it('restores from its entries the state it saved: jobs, results, failures, votes, cancellations, epochs', () => {
    const c = node(A, { retryBackoffMs: 100 })
    for (let n = 1; n <= 3; n++) complete(c, n, n * 1000)
    c.onMessage(failed(B, cacheId(7), 3, [{ holder: B, epoch: 3 }], 'B: failed'), 4000)
    c.onMessage({ v: 1, type: 'step_completed', jobId: jobId(2), stepId: 's0', cacheId: cacheId(2), cid: cidOf(cacheId(2)), epoch: 4, holder: B, sender: B, attestations: [{ peer: B, epoch: 4 }], cached: false, sentAt: 0 }, 4100)
    missAll(c, c.onJobReceived(chainJob(jobId(4), [cacheId(4), cacheId(5)], 4200), 4200), 4201)
    c.tick(4211)
    c.cancelJob(jobId(9), 4300, 'user request')
    const store = new Entries()
    store.save(c)
    c.tick(4400)
    store.save(c)

    const saved = store.load(A)
    expect(sorted(saved)).toEqual(sorted(c.snapshot()))
    const after = node(A)
    after.restore(JSON.parse(JSON.stringify(saved)), 100_000)
    for (let n = 1; n <= 3; n++) expect(after.job(jobId(n), 100_000)?.state).toBe('completed')
    expect(after.job(jobId(4), 100_000)?.state).toBe('running')
    // The lease A held is released on restore; every other fact is the same.
    expect(sorted({ ...after.snapshot(), held: [] })).toEqual(sorted({ ...c.snapshot(), held: [] }))
  })

  it('refuses a damaged entry by name, with the key in the error', () => {
    expect(() => readEntry(`job/${jobId(1)}`, { spec: {} })).toThrow(SnapshotInvalidError)
    expect(() => readEntry(`job/${jobId(1)}`, { spec: {} })).toThrow(`snapshot entry job/${jobId(1)} is invalid`)
    expect(() => readEntry('other/x', {})).toThrow(/no known kind/)
    expect(readEntry('node', { v: 2, self: A, held: [] })).toEqual({ kind: 'node', value: { v: 2, self: A, held: [] } })
  })
})
