#!/usr/bin/env node
/**
 * Memory after a flood of jobs (issue 9, "memory returns after a flood"):
 * three daemons with the shipped settings and a hostile member (a peer with
 * the swarm key, test/e2e/helpers/hostile.ts). A user renders a small recipe
 * once; then the member publishes `--jobs` job_submitted messages of that
 * recipe, each with its own nonce, as fast as it can: each job's steps are
 * known, so each completes on arrival and stays, finished, among the jobs
 * the node keeps (jobs.maxJobs, 2000). Measured on daemon A: resident memory
 * and V8 heap in use before the flood, at its peak, after it (the flood's jobs
 * all ended), and after a restart of A on its home (the jobs it reloads).
 *
 * Each figure is taken over a `--window` of seconds: RSS, the median of its
 * samples; the heap, `artdag_heap_live_bytes` at its end (the V8 heap in use
 * right after the last full collection: what the daemon holds, where
 * `nodejs_heap_size_used_bytes` also counts garbage not collected yet).
 * `--watch S` prints A's memory every 10 s for S more seconds after the flood
 * and after the restart, by kind of mapping.
 *
 *   npm run bench:flood [-- --jobs 2500] [--window 40] [--watch 0] [--snapshots DIR]
 *
 * `--snapshots DIR` writes V8 heap snapshots of A (SIGUSR2) before and after
 * the flood and after the restart into DIR (for the DevTools' Memory tab) and
 * keeps the daemons' homes (their logs); a snapshot itself costs the daemon
 * hundreds of MiB of RSS, so read the heap figures only in such a run.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { loadConfig } from '../../src/config/load.ts'
import { Daemon, eventually } from '../../test/e2e/helpers/daemon.ts'
import { HostileMember, metric, TOPICS } from '../../test/e2e/helpers/hostile.ts'
import { describeParts, rssParts } from '../../test/e2e/helpers/memory.ts'
import { log, machineFacts, shippedEnv, startBenchCluster, stringArg, waitAllAlive } from './lib/cluster.ts'
import { median, sampleProcess } from './lib/proc.ts'
import { numberArg, printReport } from './lib/report.ts'
import type { ApiClient } from '../../src/api/client.ts'

const jobs = numberArg('jobs', 2500)
const windowS = numberArg('window', 40)
const watchS = numberArg('watch', 0)
const snapshots = stringArg('snapshots', '')

const RECIPE = {
  version: 1,
  name: 'flood',
  nodes: {
    gen: { type: 'generate', config: { duration: 1, width: 160, height: 90, frequency: 1006 } },
    out: { type: 'encode', inputs: ['gen'], config: { codec: 'h264', preset: 'ultrafast' } }
  },
  output: 'out'
}

const MiB = 1024 * 1024
const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-flood-'))
const cleanups: Array<() => Promise<unknown>> = []

/** A daemon's RSS (median) over `seconds`, and its heap after the last full collection at their end. */
async function settled (daemon: Daemon, seconds: number): Promise<{ rss: number, heap: number, parts: string }> {
  const rss: number[] = []
  const end = performance.now() + seconds * 1000
  while (performance.now() < end) {
    rss.push((await sampleProcess(daemon.process.pid!)).rssBytes)
    await new Promise(resolve => setTimeout(resolve, 1000))
  }
  return { rss: median(rss), heap: await metric(daemon, 'artdag_heap_live_bytes'), parts: await memLine(daemon) }
}

async function watch (daemon: Daemon): Promise<void> {
  for (let t = 0; t < watchS; t += 10) {
    await new Promise(resolve => setTimeout(resolve, 10_000))
    log(`+${t + 10}s ${await memLine(daemon)}`)
  }
}

async function memLine (daemon: Daemon): Promise<string> {
  const m = async (name: string): Promise<string> => ((await metric(daemon, name)) / MiB).toFixed(0)
  return `rss ${((await sampleProcess(daemon.process.pid!)).rssBytes / MiB).toFixed(0)} (${describeParts(await rssParts(daemon.process.pid!))}) heap used ${await m('nodejs_heap_size_used_bytes')} live ${await m(
    'artdag_heap_live_bytes'
  )} total ${await m(
    'nodejs_heap_size_total_bytes'
  )} external ${await m('nodejs_external_memory_bytes')}`
}

/** A heap snapshot of the daemon (it runs with --heapsnapshot-signal=SIGUSR2), once written whole. */
async function heapSnapshot (daemon: Daemon, name: string): Promise<void> {
  const dirOf = join(snapshots, name)
  await mkdir(dirOf, { recursive: true })
  daemon.process.kill('SIGUSR2')
  const file = await eventually(async () => (await readdir(snapshots)).find(f => f.endsWith('.heapsnapshot') && f.includes(String(daemon.process.pid))), { what: 'the heap snapshot', timeoutMs: 120_000 })
  let size = -1
  await eventually(async () => {
    const now = (await stat(join(snapshots, file))).size
    const done = now === size && now > 0
    size = now
    return done
  }, { intervalMs: 2000, timeoutMs: 300_000, what: 'the heap snapshot to be written' })
  await rename(join(snapshots, file), join(dirOf, file))
  log(`heap snapshot: ${join(dirOf, file)}`)
}

async function counts (client: ApiClient): Promise<{ running: number, completed: number, failed: number, cancelled: number }> {
  return (await client.status()).jobs
}

try {
  const env = await shippedEnv(dir, snapshots !== '' ? { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapshots}` } : {})
  if (snapshots !== '') await mkdir(snapshots, { recursive: true })
  log('starting three daemons…')
  const cluster = await startBenchCluster(join(dir, 'daemons'), ['a', 'b', 'c'], env)
  cleanups.push(async () => {
    await cluster.stop()
  })
  const hostile = await HostileMember.join(dir, join(cluster.homes[0]!, 'swarm.key'), cluster.daemons)
  cleanups.unshift(async () => {
    await hostile.stop()
  })
  const [a] = cluster.daemons as [Daemon]
  const [client] = cluster.clients as [ApiClient]

  log('the user renders the recipe once…')
  const { id } = await client.submitJob({ recipe: RECIPE, inputs: {} })
  await eventually(async () => (await client.job(id)).state === 'completed', { timeoutMs: 120_000, what: 'the first job' })
  for (const c of cluster.clients) await eventually(async () => (await c.job(id)).state === 'completed', { what: 'every node to know the job completed' })

  log(`before: ${windowS} s of samples…`)
  const before = await settled(a, windowS)
  log(`before: ${before.parts}`)
  if (snapshots !== '') await heapSnapshot(a, 'before')

  log(`the flood: ${jobs} jobs…`)
  let peak = 0
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await sampleProcess(a.process.pid!)).rssBytes)
      await new Promise(resolve => setTimeout(resolve, 250))
    }
  })()
  const kept = (await counts(client)).completed
  const started = performance.now()
  for (let i = 0; i < jobs; i++) {
    const body = { v: 1, kind: 'artdag/job', recipe: RECIPE, inputs: {}, submitter: hostile.peerId, submittedAt: Date.now(), nonce: randomUUID() }
    const jobId = CID.createV1(dagJson.code, await sha256.digest(dagJson.encode(body))).toString()
    const { kind: _kind, ...fields } = body
    await hostile.publish(TOPICS.submit, { ...fields, type: 'job_submitted', jobId })
  }
  const { maxJobs } = (await loadConfig({ home: cluster.homes[0]! })).config.jobs
  const expected = Math.min(maxJobs, kept + jobs)
  let seen = ''
  await eventually(async () => {
    const now = await Promise.all(cluster.clients.map(async c => await counts(c)))
    seen = now.map(c => JSON.stringify(c)).join(' ')
    return now.every(c => c.completed >= expected)
  }, { timeoutMs: 300_000, intervalMs: 1000, what: `${expected} jobs completed on every node` }).catch((err: unknown) => {
    log(`jobs on each node: ${seen}`)
    throw err
  })
  const floodS = (performance.now() - started) / 1000
  sampling = false
  await sampler

  log(`after: ${windowS} s of samples…`)
  const after = await settled(a, windowS)
  log(`after: ${after.parts}`)
  if (snapshots !== '') await heapSnapshot(a, 'after')
  await watch(a)

  log('restarting A on its home…')
  await a.stop()
  const restarted = await Daemon.start(cluster.homes[0]!, { env, bootstrap: [cluster.daemons[1]!.addresses[0]!] })
  cluster.daemons[0] = restarted
  const startRss = (await sampleProcess(restarted.process.pid!)).rssBytes
  await waitAllAlive(cluster.clients, 2)
  const reloaded = await counts(client)
  const restart = await settled(restarted, windowS)
  log(`restarted: ${restart.parts}`)
  if (snapshots !== '') await heapSnapshot(restarted, 'restart')
  await watch(restarted)

  const row = (metric: string, value: number, unit = 'MiB'): { metric: string, value: number, unit: string } => ({ metric, value: value / MiB, unit })
  printReport('memory after a flood of jobs (daemon A)', [
    row('rss_before', before.rss),
    row('rss_peak', peak),
    row('rss_after', after.rss),
    row('heap_live_before', before.heap),
    row('heap_live_after', after.heap),
    { metric: 'heap_per_kept_job', value: (after.heap - before.heap) / 1024 / (expected - kept), unit: 'KiB' },
    row('rss_at_restart_ready', startRss),
    row('rss_after_restart', restart.rss),
    row('heap_live_after_restart', restart.heap),
    { metric: 'jobs_reloaded', value: reloaded.completed + reloaded.running + reloaded.failed + reloaded.cancelled, unit: 'jobs' },
    { metric: 'flood_seconds', value: floodS, unit: 's' }
  ], { jobs, kept: expected, windowS, mappings: { before: before.parts, after: after.parts, restarted: restart.parts }, ...machineFacts() })
} finally {
  for (const cleanup of cleanups) await cleanup()
  if (snapshots === '') await rm(dir, { recursive: true, force: true })
  else log(`kept ${dir}`)
}
