#!/usr/bin/env node
/**
 * One save of the coordinator's snapshot, in this process, on a coordinator that keeps `--kept`
 * finished jobs (one step each) and just finished one more: the whole snapshot as one value
 * (layout 1: `JSON.stringify(snapshot())`, one LevelDB put), against the entries that changed
 * (layout 2: `snapshotChanges`, their JSON, one LevelDB batch). `--saves` saves of each,
 * alternated, a new job finished before each pair; wall time and CPU time per save, medians.
 *
 *   node scripts/bench/snapshot-save.ts [--kept 2000] [--saves 200]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LevelDatastore } from 'datastore-level'
import { Key } from 'interface-datastore'
import { StepCoordinator } from '../../src/jobs/core/coordinator.ts'
import { markSaved, SnapshotMarks } from '../../src/jobs/core/snapshot-layout.ts'
import { machineFacts } from './lib/cluster.ts'
import { median } from './lib/proc.ts'
import { numberArg, printReport } from './lib/report.ts'

const kept = numberArg('kept', 2000)
const saves = numberArg('saves', 200)

const SELF = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const c = new StepCoordinator({ self: SELF, slots: 2, capabilities: ['libx264'], rejoinQuietMs: 0 })
let t = 0
let n = 0
/** One more single-step job, run to completion here. */
function finishOne (): void {
  n += 1
  const cacheId = n.toString(16).padStart(64, '0')
  const jobId = `bagujob${n.toString().padStart(8, '0')}`
  const out = c.onJobReceived({ jobId, submittedAt: t, output: 's0', steps: [{ stepId: 's0', cacheId, type: 'source', deps: [] }] }, t)
  for (const e of out.effects) if (e.type === 'lookupCache') { for (const id of e.cacheIds) c.onCacheLookupResult(id, undefined, t + 1) }
  c.tick(t + 11)
  c.onExecutionFinished({ jobId, stepId: 's0', cacheId, epoch: 1 }, `bafy${n}`, t + 100)
  t += 1000
}

const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-snapshot-save-'))
const datastore = new LevelDatastore(join(dir, 'datastore'))
await datastore.open()
try {
  for (let i = 0; i < kept; i++) finishOne()
  const encoder = new TextEncoder()
  const wholeKey = new Key('/artdag/jobs/coordinator')
  const marks = new SnapshotMarks()
  const timed = async (save: () => Promise<number>): Promise<{ ms: number, cpuMs: number, bytes: number }> => {
    const cpu = process.cpuUsage()
    const at = performance.now()
    const bytes = await save()
    const used = process.cpuUsage(cpu)
    return { ms: performance.now() - at, cpuMs: (used.user + used.system) / 1000, bytes }
  }
  const whole = async (): Promise<number> => {
    const bytes = encoder.encode(JSON.stringify(c.snapshot()))
    await datastore.put(wholeKey, bytes)
    return bytes.length
  }
  const byEntry = async (): Promise<number> => {
    const changes = c.snapshotChanges(marks)
    const batch = datastore.batch()
    let size = 0
    for (const { name, value } of changes.entries) {
      const key = new Key(`/artdag/jobs/v2/${name}`)
      if (value === undefined) {
        batch.delete(key)
        continue
      }
      const bytes = encoder.encode(JSON.stringify(value))
      size += bytes.length
      batch.put(key, bytes)
    }
    await batch.commit()
    markSaved(marks, changes)
    return size
  }
  // The first save by entry writes them all.
  const first = await timed(byEntry)
  const results = { whole: [] as Array<{ ms: number, cpuMs: number, bytes: number }>, byEntry: [] as Array<{ ms: number, cpuMs: number, bytes: number }> }
  for (let i = 0; i < saves; i++) {
    finishOne()
    if (i % 2 === 0) {
      results.whole.push(await timed(whole))
      results.byEntry.push(await timed(byEntry))
    } else {
      results.byEntry.push(await timed(byEntry))
      results.whole.push(await timed(whole))
    }
  }
  const m = (list: Array<{ ms: number, cpuMs: number, bytes: number }>, key: 'ms' | 'cpuMs' | 'bytes'): number => median(list.map(r => r[key]))
  printReport(`one snapshot save, ${kept} jobs kept (in-process, LevelDB)`, [
    { metric: 'whole_save_ms', value: m(results.whole, 'ms'), unit: 'ms' },
    { metric: 'whole_save_cpu_ms', value: m(results.whole, 'cpuMs'), unit: 'ms' },
    { metric: 'whole_save_bytes', value: m(results.whole, 'bytes'), unit: 'B' },
    { metric: 'by_entry_save_ms', value: m(results.byEntry, 'ms'), unit: 'ms', baseline: m(results.whole, 'ms'), ratio: m(results.byEntry, 'ms') / m(results.whole, 'ms') },
    { metric: 'by_entry_save_cpu_ms', value: m(results.byEntry, 'cpuMs'), unit: 'ms', baseline: m(results.whole, 'cpuMs'), ratio: m(results.byEntry, 'cpuMs') / m(results.whole, 'cpuMs') },
    { metric: 'by_entry_save_bytes', value: m(results.byEntry, 'bytes'), unit: 'B' },
    { metric: 'by_entry_first_save_ms', value: first.ms, unit: 'ms' },
    { metric: 'by_entry_first_save_bytes', value: first.bytes, unit: 'B' }
  ], { kept: c.snapshot().jobs.length, saves, machine: machineFacts() })
} finally {
  await datastore.close()
  await rm(dir, { recursive: true, force: true })
}
