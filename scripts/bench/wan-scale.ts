#!/usr/bin/env node
/**
 * Many daemons behind a WAN link (issue 7, item 7): 3, 6 and 12 daemons on
 * this machine, every connection crossing one link (test/e2e/helpers/wan/) at
 * 25 ± 10 ms one way, each daemon with the shipped config. Per size:
 *
 *   full view  the first daemon started → every daemon sees every other alive
 *              (and from the last daemon ready, when every listener was up)
 *   idle       after --settle s, over --idle-seconds: CPU % and RSS of each daemon
 *              (/proc), the bytes per second crossing the link (heartbeats, gossip and
 *              DHT upkeep of the whole cluster, which is all an idle cluster sends),
 *              heartbeats each daemon receives per second, and the link process's CPU
 *   spread     2 × N single-step jobs submitted at once on the first daemon: how many
 *              distinct daemons ran them, the most on one daemon, duplicate executions
 *   crashes    daemons that exited on their own meanwhile (with their last log lines)
 * A size whose cluster does not start (a daemon not ready within the harness's 60 s on a loaded
 * machine), or whose jobs do not spread (submissions timing out), is recorded with the error and
 * the load, and the others go on.
 *
 * After the first, daemons start --start-concurrency at a time (default: the number of
 * cores): on one small machine, twelve starting at once starve each other of CPU as
 * daemons on twelve machines would not.
 *
 * Each row's baseline is the same metric at the smallest size; its ratio, the growth.
 *
 * trust.confirmations is --confirmations (default 1, as in bench:wan: one run per job's step).
 *
 *   npm run bench:wan-scale [-- --sizes 3,6,12] [--one-way 25] [--jitter 10] [--idle-seconds 30] [--settle 10] [--start-concurrency 2] [--confirmations 1]
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { errorMessage } from '../../src/errors.ts'
import { log, machineFacts, stringArg } from './lib/cluster.ts'
import { EventRecorder, jobEnded } from './lib/events.ts'
import { median, sampleProcess } from './lib/proc.ts'
import { tinyStepRecipe } from './lib/recipes.ts'
import { numberArg, printReport } from './lib/report.ts'
import { counterTotals, delta, startBenchWanCluster, watchCrashes } from './lib/wan.ts'
import type { ProcSample } from './lib/proc.ts'
import type { Row } from './lib/report.ts'
import type { BenchWanCluster, Crash } from './lib/wan.ts'

const sizes = stringArg('sizes', '3,6,12').split(',').map(Number)
if (sizes.some(n => !Number.isInteger(n) || n < 2 || n > 250)) throw new Error('--sizes takes node counts from 2 to 250, e.g. 3,6,12')
const oneWayMs = numberArg('one-way', 25)
const jitterMs = numberArg('jitter', 10)
const idleSeconds = numberArg('idle-seconds', 30)
const settleSeconds = numberArg('settle', 10)
const startConcurrency = numberArg('start-concurrency', cpus().length)
const confirmations = numberArg('confirmations', 1)

interface SizeResult {
  nodes: number
  /** The machine's 1-minute load average when this size started. */
  loadAtStart: number
  startToFullViewMs: number
  readyToFullViewMs: number
  idle: { cpuPercent: number[], rssMb: number[], linkBytesPerSecond: number, heartbeatsPerNodePerSecond: number, linkCpuPercent: number }
  spread: { jobs: number, producers: number, mostOnOneNode: number, seconds: number, counters: Record<string, number> } | undefined
  /** Why the jobs did not spread (submissions refused or timed out on a loaded machine): a result too. */
  spreadError?: string
  crashes: Crash[]
}

const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-wan-scale-'))
let seed = Math.floor(Math.random() * 1e9)
try {
  const results: SizeResult[] = []
  const notStarted: Array<{ nodes: number, loadAtStart: number, error: string }> = []
  for (const n of sizes) {
    const loadAtStart = loadavg()[0]!
    log(`${n} daemons behind a ${oneWayMs} ± ${jitterMs} ms link (load ${loadAtStart.toFixed(1)})…`)
    const home = join(dir, `n${n}`)
    await mkdir(home)
    let cluster: BenchWanCluster
    try {
      cluster = await startBenchWanCluster(home, n, { oneWayMs, jitterMs }, { ARTDAG_TRUST__CONFIRMATIONS: String(confirmations) }, { startConcurrency })
    } catch (err: unknown) {
      // A cluster that does not start (a daemon not ready in time on a loaded machine) is a result too.
      const error = errorMessage(err).split('\n')[0]!
      log(`  ${n} daemons did not start: ${error}`)
      notStarted.push({ nodes: n, loadAtStart, error })
      continue
    }
    const { crashes, stopping } = watchCrashes(cluster)
    try {
      const crossing = await cluster.throughLink()
      if (crossing.bypass.length > 0 || crossing.outside > 0) throw new Error(`connections around the link: ${JSON.stringify(crossing)}`)
      const { started, ready, allAlive } = cluster.timings
      log(`  full view ${allAlive - started} ms after the first start; settling ${settleSeconds} s, then idle for ${idleSeconds} s…`)
      await new Promise(resolve => setTimeout(resolve, settleSeconds * 1000))
      const idle = await measureIdle(cluster)
      log(`  idle: cpu median ${median(idle.cpuPercent).toFixed(2)} %, rss median ${median(idle.rssMb).toFixed(0)} MB, link ${(idle.linkBytesPerSecond / 1024).toFixed(1)} KiB/s`)
      let spread: SizeResult['spread']
      let spreadError: string | undefined
      try {
        spread = await jobsSpread(cluster)
        log(`  ${spread.jobs} jobs ran on ${spread.producers} of ${n} daemons in ${spread.seconds.toFixed(1)} s`)
      } catch (err: unknown) {
        spreadError = errorMessage(err).split('\n')[0]!
        log(`  the jobs did not spread: ${spreadError}`)
      }
      results.push({ nodes: n, loadAtStart, startToFullViewMs: allAlive - started, readyToFullViewMs: allAlive - ready, idle, spread, ...(spreadError !== undefined ? { spreadError } : {}), crashes })
    } finally {
      stopping()
      await cluster.stop()
    }
  }

  if (results.length === 0) throw new Error(`no cluster started: ${JSON.stringify(notStarted)}`)
  const rows: Row[] = []
  const first = results[0]!
  const add = (metric: string, unit: string, pick: (r: SizeResult) => number): void => {
    for (const r of results) rows.push({ metric: `${metric}@${r.nodes}`, value: pick(r), unit, baseline: pick(first), ratio: pick(first) !== 0 ? pick(r) / pick(first) : undefined })
  }
  add('start_to_full_view', 'ms', r => r.startToFullViewMs)
  add('ready_to_full_view', 'ms', r => r.readyToFullViewMs)
  add('idle_cpu_per_daemon_median', '%', r => median(r.idle.cpuPercent))
  add('idle_cpu_per_daemon_max', '%', r => Math.max(...r.idle.cpuPercent))
  add('idle_cpu_all_daemons', '%', r => r.idle.cpuPercent.reduce((a, b) => a + b, 0))
  add('idle_rss_per_daemon_median', 'MB', r => median(r.idle.rssMb))
  add('idle_link_bytes_per_s', 'B/s', r => r.idle.linkBytesPerSecond)
  add('idle_link_bytes_per_s_per_node', 'B/s', r => r.idle.linkBytesPerSecond / r.nodes)
  add('heartbeats_received_per_node_per_s', '/s', r => r.idle.heartbeatsPerNodePerSecond)
  add('link_process_cpu', '%', r => r.idle.linkCpuPercent)
  add('jobs_distinct_producers', 'nodes', r => r.spread?.producers ?? Number.NaN)
  add('jobs_most_on_one_node', 'jobs', r => r.spread?.mostOnOneNode ?? Number.NaN)
  add('jobs_all_done', 's', r => r.spread?.seconds ?? Number.NaN)
  add('duplicate_executions', 'count', r => r.spread?.counters.artdag_duplicate_executions_total ?? Number.NaN)
  add('daemons_crashed', 'count', r => r.crashes.length)
  printReport(`many daemons behind a ${oneWayMs} ± ${jitterMs} ms WAN link (shipped timings, trust.confirmations ${confirmations})`, rows, {
    sizes,
    oneWayMs,
    jitterMs,
    idleSeconds,
    settleSeconds,
    startConcurrency,
    confirmations,
    perSize: results,
    notStarted,
    machine: machineFacts()
  })
} finally {
  await rm(dir, { recursive: true, force: true })
}

/** CPU and RSS of every daemon (and the link process) over the idle window, with the link's bytes and the heartbeats received. */
async function measureIdle (cluster: BenchWanCluster): Promise<SizeResult['idle']> {
  const pids = [...cluster.daemons.map(d => d.process.pid!), cluster.link.process.pid!]
  const bytes = async (): Promise<number> => (await cluster.link.stats()).pairs.reduce((sum, p) => sum + p.bytesFromDialler + p.bytesFromTarget, 0)
  const heartbeats = ['artdag_heartbeats_received_total']
  const samples: ProcSample[][] = pids.map(() => [])
  // A daemon that crashed meanwhile keeps its last sample (and is reported among the crashes).
  const sample = async (): Promise<void> => {
    ;(await Promise.all(pids.map(async pid => await sampleProcess(pid).catch(() => undefined)))).forEach((s, i) => {
      if (s !== undefined) samples[i]!.push(s)
    })
  }
  const [bytesBefore, beatsBefore] = await Promise.all([bytes(), counterTotals(cluster.clients, heartbeats)])
  await sample()
  const end = performance.now() + idleSeconds * 1000
  while (performance.now() < end) {
    await new Promise(resolve => setTimeout(resolve, Math.min(2000, Math.max(0, end - performance.now()))))
    await sample()
  }
  const [bytesAfter, beatsAfter] = await Promise.all([bytes(), counterTotals(cluster.clients, heartbeats)])
  const cpu = samples.map(s => s.length < 2 ? NaN : 100 * (s.at(-1)!.cpuSeconds - s[0]!.cpuSeconds) / ((s.at(-1)!.at - s[0]!.at) / 1000))
  const n = cluster.daemons.length
  return {
    cpuPercent: cpu.slice(0, n).filter(c => !Number.isNaN(c)),
    rssMb: samples.slice(0, n).filter(s => s.length > 0).map(s => median(s.map(x => x.rssBytes)) / 1e6),
    linkBytesPerSecond: (bytesAfter - bytesBefore) / idleSeconds,
    heartbeatsPerNodePerSecond: delta(beatsBefore, beatsAfter).artdag_heartbeats_received_total! / idleSeconds / n,
    linkCpuPercent: cpu[n]!
  }
}

/** 2 × N tiny single-step jobs submitted at once on the first daemon: who ran them. */
async function jobsSpread (cluster: BenchWanCluster): Promise<NonNullable<SizeResult['spread']>> {
  const names = ['artdag_duplicate_executions_total', 'artdag_lease_conflicts_total', 'artdag_aborted_executions_total', 'artdag_lease_claims_total']
  const before = await counterTotals(cluster.clients, names)
  const submitter = cluster.clients[0]!
  const recorder = await EventRecorder.start([submitter], ['job'])
  try {
    const count = 2 * cluster.daemons.length
    const started = Date.now()
    const jobs = await Promise.all(Array.from({ length: count }, async (_, i) => await submitter.submitJob({ recipe: tinyStepRecipe(`spread${i}`, seed++), inputs: {} })))
    const ends = await Promise.all(jobs.map(async job => await recorder.waitFor(jobEnded(job.id, 0), `job ${job.id} to end`, 300_000)))
    const seconds = (Math.max(...ends.map(e => e.receivedAt)) - started) / 1000
    const failed = ends.filter(e => e.event.type !== 'job.completed')
    if (failed.length > 0) throw new Error(`${failed.length} of ${count} jobs did not complete: ${failed[0]!.event.type}`)
    const producers = await Promise.all(jobs.map(async job => (await submitter.job(job.id)).steps[0]!.peer))
    const perNode = new Map<string, number>()
    for (const peer of producers) perNode.set(String(peer), (perNode.get(String(peer)) ?? 0) + 1)
    // Let duplicate detections (late completions) arrive before counting.
    await new Promise(resolve => setTimeout(resolve, 3000))
    return { jobs: count, producers: perNode.size, mostOnOneNode: Math.max(...perNode.values()), seconds, counters: delta(before, await counterTotals(cluster.clients, names)) }
  } finally {
    await recorder.stop()
  }
}
