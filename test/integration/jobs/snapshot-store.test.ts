import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Key } from 'interface-datastore'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StepCoordinator } from '../../../src/jobs/core/coordinator.ts'
import { snapshotSchema } from '../../../src/jobs/core/snapshot.ts'
import type { JobSpec } from '../../../src/jobs/core/types.ts'
import { SnapshotStore } from '../../../src/jobs/service/snapshot-store.ts'
import { silentLogger } from '../../../src/log.ts'
import type { Logger } from '../../../src/log.ts'
import { openStores } from '../../../src/node/stores.ts'
import type { NodeStores } from '../../../src/node/stores.ts'
import type { Datastore } from 'interface-datastore'

/**
 * The coordinator's snapshot in a real home's LevelDB (src/node/stores.ts), saved by entry
 * (src/jobs/core/snapshot-layout.ts): restarts, the upgrade from the one-value layout, damage.
 */

const SELF = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const LEGACY_KEY = new Key('/artdag/jobs/coordinator')
const cacheId = (n: number): string => n.toString(16).padStart(64, '0')
const jobId = (n: number): string => `bagujob${n.toString().padStart(8, '0')}`
const byEpochKey = (list: Array<[string, number]>): Array<[string, number]> => [...list].sort(([a], [b]) => a.localeCompare(b))
const job = (n: number, at: number): JobSpec => ({ jobId: jobId(n), submittedAt: at, output: 's0', steps: [{ stepId: 's0', cacheId: cacheId(n), type: 'source', deps: [] }] })

let dir: string
let stores: NodeStores | undefined

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-snapshot-'))
})

afterEach(async () => {
  await stores?.close()
  stores = undefined
  await rm(dir, { recursive: true, force: true })
})

/** Opens the home's stores (closing those open: a restart). */
async function reopen (): Promise<Datastore> {
  await stores?.close()
  stores = await openStores({ blocks: join(dir, 'blocks'), datastore: join(dir, 'datastore') })
  return stores.datastore
}

function coordinator (): StepCoordinator {
  return new StepCoordinator({ self: SELF, slots: 2, capabilities: ['libx264'], rejoinQuietMs: 0 })
}

function storeOf (datastore: Datastore, c: StepCoordinator, logger: Logger = silentLogger()): SnapshotStore {
  return new SnapshotStore(datastore, { self: SELF, changes: since => c.snapshotChanges(since) }, logger)
}

/** Runs job n (one step) to completion on `c`, alone. */
function complete (c: StepCoordinator, n: number, t: number): void {
  const out = c.onJobReceived(job(n, t), t)
  for (const e of out.effects) if (e.type === 'lookupCache') { for (const id of e.cacheIds) c.onCacheLookupResult(id, undefined, t + 1) }
  // Every wake-up the node asks for (a daemon's timer): the claim, its run started, its settle window over.
  for (let at = t + 2; at <= t + 90;) at = Math.max(at + 1, c.tick(at).nextWakeAt)
  c.onExecutionFinished({ jobId: jobId(n), stepId: 's0', cacheId: cacheId(n), epoch: 1 }, `bafy${n}`, t + 100)
}

/** A fresh coordinator restored from what the home holds, as a restarted daemon's. */
async function restart (logger?: Logger): Promise<{ c: StepCoordinator, store: SnapshotStore }> {
  const datastore = await reopen()
  const c = coordinator()
  const store = storeOf(datastore, c, logger)
  const saved = await store.load()
  if (saved !== undefined) c.restore(saved, 1_000_000)
  return { c, store }
}

async function entryKeys (datastore: Datastore): Promise<string[]> {
  const keys: string[] = []
  for await (const key of datastore.queryKeys({ prefix: '/artdag/jobs/' })) keys.push(key.toString())
  return keys.sort()
}

function recordingLogger (lines: Array<Record<string, unknown>>): Logger {
  const log = (obj: Record<string, unknown> | string, msg?: string): void => {
    lines.push(typeof obj === 'string' ? { msg: obj } : { ...obj, msg })
  }
  const logger: Logger = { trace: log, debug: log, info: log, warn: log, error: log, forComponent: () => logger }
  return logger
}

describe('the coordinator snapshot in LevelDB', () => {
  it('restores every job after a restart, and a save writes only what changed', async () => {
    const datastore = await reopen()
    const c = coordinator()
    const store = storeOf(datastore, c)
    for (let n = 1; n <= 300; n++) complete(c, n, n * 1000)
    await store.saveNow()
    expect((await entryKeys(datastore)).filter(k => k.includes('/job/'))).toHaveLength(300)

    // One more job: its entries, nothing of the 300 others (nor the node's: it holds no lease after).
    const puts: string[] = []
    const batch = datastore.batch.bind(datastore)
    datastore.batch = () => {
      const b = batch()
      return {
        ...b,
        put: (key, value) => {
          puts.push(key.toString())
          b.put(key, value)
        },
        delete: key => {
          b.delete(key)
        },
        commit: async options => {
          await b.commit(options)
        }
      }
    }
    complete(c, 301, 400_000)
    await store.saveNow()
    expect(puts.sort()).toEqual(['/artdag/jobs/v2/job/' + jobId(301), '/artdag/jobs/v2/step/' + cacheId(301)])

    const { c: after } = await restart()
    for (let n = 1; n <= 301; n++) expect(after.job(jobId(n), 1_000_000)?.state).toBe('completed')
    expect(after.snapshot().epochs).toHaveLength(301)
  })

  it('reads a home saved in the one-value layout once, and rewrites it by entry', async () => {
    const old = coordinator()
    for (let n = 1; n <= 20; n++) complete(old, n, n * 1000)
    // What the daemon wrote before layout 2: the whole snapshot as JSON under one key.
    const datastore = await reopen()
    await datastore.put(LEGACY_KEY, new TextEncoder().encode(JSON.stringify(old.snapshot())))

    const { c, store } = await restart()
    for (let n = 1; n <= 20; n++) expect(c.job(jobId(n), 1_000_000)?.state).toBe('completed')
    // Until the first save the old value stays: a crash before it loses nothing.
    expect(await stores?.datastore.has(LEGACY_KEY)).toBe(true)
    await store.saveNow()
    const keys = await entryKeys(stores?.datastore as Datastore)
    expect(keys).not.toContain(LEGACY_KEY.toString())
    expect(keys.filter(k => k.includes('/job/'))).toHaveLength(20)

    const { c: again } = await restart()
    for (let n = 1; n <= 20; n++) expect(again.job(jobId(n), 1_000_000)?.state).toBe('completed')
    expect(byEpochKey(again.snapshot().epochs)).toEqual(byEpochKey(old.snapshot().epochs))
  })

  it("loses a damaged entry's job, not the others, names its key, and drops it at the next save", async () => {
    const datastore = await reopen()
    const c = coordinator()
    const store = storeOf(datastore, c)
    for (let n = 1; n <= 5; n++) complete(c, n, n * 1000)
    await store.saveNow()
    const damaged = new Key('/artdag/jobs/v2/job/' + jobId(3))
    await datastore.put(damaged, new TextEncoder().encode('{"spec":{"jobId":'))

    const lines: Array<Record<string, unknown>> = []
    const { c: after, store: next } = await restart(recordingLogger(lines))
    expect(lines).toMatchObject([{ key: damaged.toString(), msg: 'cannot read a saved job state entry; starting without it' }])
    for (const n of [1, 2, 4, 5]) expect(after.job(jobId(n), 1_000_000)?.state).toBe('completed')
    expect(after.job(jobId(3), 1_000_000)).toBeUndefined()
    // Its step's result and epoch are kept: they are in the step's own entry.
    expect(after.snapshot().epochs).toHaveLength(5)
    await next.saveNow()
    expect(await stores?.datastore.has(damaged)).toBe(false)
  })

  it('keeps the last save that landed when a write fails, and writes its changes with the next one', async () => {
    const datastore = await reopen()
    const c = coordinator()
    const store = storeOf(datastore, c)
    for (let n = 1; n <= 3; n++) complete(c, n, n * 1000)
    await store.saveNow()
    const landed = c.snapshot()

    // The process dies in the middle of a save: the batch never lands (LevelDB applies one whole or not at all).
    const batch = datastore.batch.bind(datastore)
    datastore.batch = () => ({
      ...batch(),
      commit: async () => {
        throw new Error('killed')
      }
    })
    complete(c, 4, 10_000)
    complete(c, 5, 11_000)
    await store.saveNow()
    // What a restart would read now: the last save that landed.
    const onDisk = snapshotSchema.parse(await storeOf(datastore, coordinator()).load())
    expect(onDisk.jobs.map(j => j.spec.jobId).sort()).toEqual(landed.jobs.map(j => j.spec.jobId).sort())
    expect(byEpochKey(onDisk.epochs)).toEqual(byEpochKey(landed.epochs))

    // The store goes on: its next save holds the changes of the one that failed.
    datastore.batch = batch
    await store.saveNow()
    const { c: whole } = await restart()
    for (let n = 1; n <= 5; n++) expect(whole.job(jobId(n), 1_000_000)?.state).toBe('completed')
  })
})
