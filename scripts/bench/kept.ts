#!/usr/bin/env node
/**
 * CPU per tiny step on daemons that keep many finished jobs (issue 11: the coordinator's snapshot
 * grows with the jobs kept). Three daemons with the shipped settings: bursts of `--steps` tiny
 * single-step jobs (one 64×64 frame each, nothing cached) posted at once to daemon A, the CPU of
 * the three daemons and their spawner helpers from the first POST until `--tail` s after the last
 * job ended on A, per step; first on fresh daemons (0 jobs kept), then after a hostile member
 * (test/e2e/helpers/hostile.ts, as in bench:flood) published `--kept` jobs of a recipe the
 * cluster already rendered (each completes on arrival and is kept: jobs.maxJobs, 2000), once the
 * daemons are quiet again. `--rounds` bursts at each point; medians reported.
 *
 *   npm run bench:kept [-- --kept 2000] [--steps 60] [--rounds 3] [--tail 2]
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { eventually } from '../../test/e2e/helpers/daemon.ts'
import { HostileMember, TOPICS } from '../../test/e2e/helpers/hostile.ts'
import { log, machineFacts, shippedEnv, startBenchCluster } from './lib/cluster.ts'
import { EventRecorder, jobEnded } from './lib/events.ts'
import { median, spawnerHelpersOf } from './lib/proc.ts'
import { tinyStepRecipe } from './lib/recipes.ts'
import { numberArg, printReport } from './lib/report.ts'
import { cpuOf } from './lib/step-timing.ts'
import type { ApiClient } from '../../src/api/client.ts'

const kept = numberArg('kept', 2000)
const steps = numberArg('steps', 60)
const rounds = numberArg('rounds', 3)
const tailS = numberArg('tail', 2)

/** What the member floods with: two steps, rendered once by the user first, so every job completes on arrival. */
const RECIPE = {
  version: 1,
  name: 'kept',
  nodes: {
    gen: { type: 'generate', config: { duration: 0.2, width: 64, height: 64, frequency: 1006 } },
    out: { type: 'encode', inputs: ['gen'], config: { codec: 'h264', preset: 'ultrafast' } }
  },
  output: 'out'
}

const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-kept-'))
const cleanups: Array<() => Promise<unknown>> = []
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

try {
  const env = await shippedEnv(dir)
  log('starting three daemons…')
  const cluster = await startBenchCluster(join(dir, 'daemons'), ['a', 'b', 'c'], env)
  cleanups.push(async () => {
    await cluster.stop()
  })
  const recorder = await EventRecorder.start(cluster.clients, ['job'])
  cleanups.unshift(async () => {
    await recorder.stop()
  })
  const [client] = cluster.clients as [ApiClient]
  const pids = (): number[] => cluster.daemons.flatMap(d => [d.process.pid!, ...spawnerHelpersOf(d.process.pid!)])
  let seed = Math.floor(Math.random() * 1e9)

  /** CPU ms of the daemons per step over one burst of `steps` single-step jobs. */
  const burst = async (tag: string): Promise<number> => {
    const before = await cpuOf(pids())
    const ids = await Promise.all(Array.from({ length: steps }, async (_, i) => (await client.submitJob({ recipe: tinyStepRecipe(`${tag}x${i}`, seed++), inputs: {} })).id))
    const ends = await Promise.all(ids.map(async id => await recorder.waitFor(jobEnded(id, 0), `job ${id} to end on A`, 300_000)))
    const failed = ends.filter(e => e.event.type !== 'job.completed')
    if (failed.length > 0) throw new Error(`${failed.length} burst jobs did not complete`)
    await sleep(tailS * 1000)
    return 1000 * (await cpuOf(pids()) - before) / steps
  }

  /** Waits until the daemons use less than 10 % of a core over 5 s (the work a flood leaves ends), 180 s at most. */
  const quiet = async (): Promise<number> => {
    let rate = Number.POSITIVE_INFINITY
    for (let waited = 0; waited < 180 && rate > 0.1; waited += 5) {
      const before = await cpuOf(pids())
      await sleep(5000)
      rate = (await cpuOf(pids()) - before) / 5
    }
    return rate
  }

  const measure = async (label: string): Promise<{ perStep: number[], idle: number }> => {
    const idle = await quiet()
    log(`${label}: daemons idle at ${(100 * idle).toFixed(1)} % of a core`)
    const perStep: number[] = []
    for (let round = 0; round < rounds; round++) {
      perStep.push(await burst(`${label}r${round}`))
      log(`${label}, round ${round + 1}/${rounds}: ${perStep.at(-1)!.toFixed(1)} ms CPU per step`)
      await sleep(2000)
    }
    return { perStep, idle }
  }

  // Warm-up: cold caches (ffmpeg pages, JIT, DHT routing tables).
  await burst('warm')
  const fresh = await measure('fresh')

  log('the user renders the recipe once…')
  const { id } = await client.submitJob({ recipe: RECIPE, inputs: {} })
  await eventually(async () => (await client.job(id)).state === 'completed', { timeoutMs: 120_000, what: 'the first job' })
  for (const c of cluster.clients) await eventually(async () => (await c.job(id)).state === 'completed', { what: 'every node to know the job completed' })
  const hostile = await HostileMember.join(dir, join(cluster.homes[0]!, 'swarm.key'), cluster.daemons)
  cleanups.unshift(async () => {
    await hostile.stop()
  })
  const before = (await client.status()).jobs.completed
  log(`the member publishes ${kept} jobs…`)
  const started = performance.now()
  for (let i = 0; i < kept; i++) {
    const body = { v: 1, kind: 'artdag/job', recipe: RECIPE, inputs: {}, submitter: hostile.peerId, submittedAt: Date.now(), nonce: randomUUID() }
    const jobId = CID.createV1(dagJson.code, await sha256.digest(dagJson.encode(body))).toString()
    const { kind: _kind, ...fields } = body
    await hostile.publish(TOPICS.submit, { ...fields, type: 'job_submitted', jobId })
  }
  // A few may end otherwise (a lost message): the quiet wait below lets the rest end.
  const expected = Math.min(2000, before + kept) - 5
  await eventually(async () => (await Promise.all(cluster.clients.map(async c => (await c.status()).jobs.completed))).every(n => n >= expected), {
    timeoutMs: 600_000,
    intervalMs: 1000,
    what: `${expected} jobs completed on every node`
  })
  const floodS = (performance.now() - started) / 1000
  const keptNow = (await client.status()).jobs
  log(`kept on A: ${JSON.stringify(keptNow)} (${floodS.toFixed(0)} s)`)
  const many = await measure('kept')

  printReport('CPU per tiny step by jobs kept (three daemons)', [
    { metric: 'cpu_per_step_0_kept', value: median(fresh.perStep), unit: 'ms' },
    { metric: `cpu_per_step_${kept}_kept`, value: median(many.perStep), unit: 'ms', baseline: median(fresh.perStep), ratio: median(many.perStep) / median(fresh.perStep) },
    { metric: 'idle_cpu_0_kept', value: 100 * fresh.idle, unit: '% core' },
    { metric: `idle_cpu_${kept}_kept`, value: 100 * many.idle, unit: '% core' },
    { metric: 'flood_seconds', value: floodS, unit: 's' }
  ], { kept, keptOnA: keptNow, steps, rounds, tailS, perRound: { fresh: fresh.perStep, many: many.perStep }, machine: machineFacts() })
} finally {
  for (const cleanup of cleanups) {
    await cleanup().catch((err: unknown) => {
      log(`cleanup: ${(err as Error).message}`)
    })
  }
  await rm(dir, { recursive: true, force: true })
}
