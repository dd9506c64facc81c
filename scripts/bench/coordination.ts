#!/usr/bin/env node
/**
 * Coordination overhead: what it costs artdag to hand tiny steps to three
 * daemons, next to BullMQ over a local Redis with three worker processes doing
 * the same ffmpeg work per job, both measured in the same run, interleaved
 * round by round.
 *
 * The work: one 64×64 frame of noise, no audio (a `generate` step with
 * duration 0.04), a distinct seed per step, so each is its own cache_id and
 * nothing is cached. Each step is one single-step job (artdag: POST /v1/jobs
 * on daemon A; BullMQ: Queue.add). The BullMQ workers run artdag's own
 * executor for it (same ffmpeg command line, same workspace handling).
 *
 * Per round and per system:
 *   latency     --latency-steps single-step jobs, one at a time (the next --gap ms after
 *               the last completed, so the background work a finished job leaves behind,
 *               result pinning and DHT puts, does not delay the next): nothing queued.
 *   throughput  --steps single-step jobs submitted at once (artdag: concurrent POSTs to
 *               daemon A; BullMQ: one addBulk): steps / (last completion − first submit).
 *               artdag also: one job of --steps independent steps (plus a sequence of
 *               them as its output, not counted): steps / (last step completed − POST).
 *
 * Runnable: a step with no inputs is runnable when its job arrives on a node.
 * artdag: `job.running` on the submitting daemon (the job is planned and in its
 * coordinator; that is the first node to have it). BullMQ: Queue.add. Claimed:
 * the holder's own `step.claimed` (artdag), the job's `processedOn` (BullMQ,
 * moved to active by a worker). ffmpeg started: what a clock-stamping ffmpeg
 * wrapper (lib/ffmpeg-clock.ts, used by both systems) notes as its first act.
 * Also reported: from the bench's POST (the user's view), and from the moment
 * the holder's coordinator found the step runnable after its cache lookup (the
 * `waitedMs` of step.running: docs/LEASES.md's "runnable"), and the spawn floor
 * (this process spawning the wrapper), which every "ffmpeg started" includes.
 *
 *   npm run bench:coordination [-- --steps 60] [--latency-steps 30] [--rounds 3] [--slots 2] [--gap 300] [--confirmations 2]
 *
 * Targets (issue): runnable → ffmpeg started p50 ≤ 25 ms, p99 ≤ 100 ms;
 * steps/s ≥ 0.2 × BullMQ's.
 */
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { bullmqSystem } from './lib/bullmq-system.ts'
import { log, machineFacts, shippedEnv, startBenchCluster } from './lib/cluster.ts'
import { EventRecorder, jobEnded } from './lib/events.ts'
import { startedBy, timestampedFfmpeg } from './lib/ffmpeg-clock.ts'
import { median, percentile, spawnerHelpersOf } from './lib/proc.ts'
import { manyTinyStepsRecipe, tinyGenerateConfig, tinyStepRecipe } from './lib/recipes.ts'
import { numberArg, printReport } from './lib/report.ts'
import { chain, cpuOf, stageMedians } from './lib/step-timing.ts'
import type { BenchCluster } from './lib/cluster.ts'
import type { Recorded } from './lib/events.ts'
import type { FfmpegClock, FfmpegRun } from './lib/ffmpeg-clock.ts'
import type { Row } from './lib/report.ts'
import type { StepTiming, System } from './lib/step-timing.ts'

const steps = numberArg('steps', 60)
const latencySteps = numberArg('latency-steps', 30)
const rounds = numberArg('rounds', 3)
const slots = numberArg('slots', 2)
const gapMs = numberArg('gap', 300)
// trust.confirmations for the daemons: 2 (the shipped default) has a second node re-run every step.
const confirmations = numberArg('confirmations', 2)
// The one-job shape ends in a sequence of every step, which takes at most 64 inputs.
if (steps > 64) throw new Error('--steps is at most 64')

const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-coordination-'))
const cleanups: Array<() => Promise<unknown>> = []
let seedBase = Math.floor(Math.random() * 1e9)

try {
  const clock = await timestampedFfmpeg(dir)
  await mkdir(join(dir, 'floor'))
  const floorClock = await timestampedFfmpeg(join(dir, 'floor'))
  const artdag = await artdagSystem(clock)
  const bullmq = await bullmqSystem(clock, { workRoot: join(dir, 'bullmq-work'), concurrency: slots, cleanups })
  const systems = [artdag, bullmq]

  // Warm-up: the first runs pay for cold caches (ffmpeg pages, JIT, DHT routing tables).
  for (const system of systems) for (let i = 0; i < 3; i++) await system.one(`warm${system.name}${i}`, seedBase++)

  const results = new Map(systems.map(s => [s.name, { latency: [] as StepTiming[], burst: [] as StepTiming[], rates: [] as number[], oneJobRates: [] as number[], cpuMsPerStep: [] as number[] }]))
  const floor: number[] = []
  for (let round = 0; round < rounds; round++) {
    floor.push(...await spawnFloor(floorClock.path, 10))
    for (const system of systems) {
      const r = results.get(system.name)!
      log(`round ${round + 1}/${rounds}: ${system.name}, ${latencySteps} steps one at a time…`)
      for (let i = 0; i < latencySteps; i++) {
        r.latency.push(await system.one(`l${system.name}${round}x${i}`, seedBase++))
        // Let the background work a completed job leaves (result pinning, DHT puts) end first.
        await new Promise(resolve => setTimeout(resolve, gapMs))
      }
      log(`round ${round + 1}/${rounds}: ${system.name}, ${steps} single-step jobs at once…`)
      const cpuBefore = await cpuOf(system.pids())
      const burst = await system.burst(Array.from({ length: steps }, (_, i) => `b${system.name}${round}x${i}`), seedBase)
      r.cpuMsPerStep.push(1000 * (await cpuOf(system.pids()) - cpuBefore) / steps)
      seedBase += steps
      r.burst.push(...burst.timings)
      r.rates.push(steps / burst.seconds)
      log(`  ${(steps / burst.seconds).toFixed(1)} steps/s`)
      if (system.oneJob != null) {
        await new Promise(resolve => setTimeout(resolve, 2000))
        log(`round ${round + 1}/${rounds}: ${system.name}, one job of ${steps} independent steps…`)
        const one = await system.oneJob(Array.from({ length: steps }, (_, i) => `j${round}x${i}`), seedBase)
        seedBase += steps
        r.oneJobRates.push(steps / one.seconds)
        log(`  ${(steps / one.seconds).toFixed(1)} steps/s`)
      }
      await new Promise(resolve => setTimeout(resolve, 2000))
    }
  }

  const a = results.get(artdag.name)!
  const b = results.get(bullmq.name)!
  const pick = (timings: StepTiming[], key: 'claimed' | 'ffmpeg' | 'done'): number[] => timings.map(t => t[key]).filter((v): v is number => v !== undefined)
  const arrival = (key: 'claimed' | 'ffmpeg'): number[] => a.latency.map(t => t.fromArrival?.[key]).filter((v): v is number => v !== undefined)
  const protocol = a.latency.map(t => t.protocolToFfmpeg).filter((v): v is number => v !== undefined)
  const rows: Row[] = []
  const rateB = median(b.rates)
  for (const [metric, rate] of [['throughput_single_step_jobs', median(a.rates)], ['throughput_one_job', median(a.oneJobRates)]] as const) {
    rows.push({ metric, value: rate, unit: 'steps/s', baseline: rateB, ratio: rate / rateB, target: '>= 0.2x', pass: rate / rateB >= 0.2 })
  }
  rows.push({
    metric: 'burst_cpu_per_step',
    value: median(a.cpuMsPerStep),
    unit: 'ms',
    baseline: median(b.cpuMsPerStep),
    ratio: median(a.cpuMsPerStep) / median(b.cpuMsPerStep),
    target: '<= 3x (issue 11)',
    pass: median(a.cpuMsPerStep) / median(b.cpuMsPerStep) <= 3
  })
  // Runnable = the job arrived (artdag: job.running on the submitting daemon; BullMQ: Queue.add).
  const bullFfmpeg = pick(b.latency, 'ffmpeg')
  const bullClaimed = pick(b.latency, 'claimed')
  const targets = { 50: 25, 99: 100 } as const
  for (const p of [50, 99] as const) {
    const v = percentile(arrival('ffmpeg'), p)
    rows.push({ metric: `runnable_to_ffmpeg_p${p}`, value: v, unit: 'ms', baseline: percentile(bullFfmpeg, p), ratio: v / percentile(bullFfmpeg, p), target: `<= ${targets[p]}`, pass: v <= targets[p] })
  }
  for (const p of [50, 99] as const) {
    const v = percentile(arrival('claimed'), p)
    rows.push({ metric: `runnable_to_claimed_p${p}`, value: v, unit: 'ms', baseline: percentile(bullClaimed, p), ratio: v / percentile(bullClaimed, p) })
  }
  for (const p of [50, 99] as const) {
    rows.push({ metric: `lookup_done_to_ffmpeg_p${p}`, value: percentile(protocol, p), unit: 'ms', baseline: percentile(bullFfmpeg, p), target: `<= ${targets[p]}`, pass: percentile(protocol, p) <= targets[p] })
  }
  for (const p of [50, 99] as const) rows.push({ metric: `post_to_ffmpeg_p${p}`, value: percentile(pick(a.latency, 'ffmpeg'), p), unit: 'ms', baseline: percentile(bullFfmpeg, p) })
  for (const p of [50, 99] as const) rows.push({ metric: `post_to_done_p${p}`, value: percentile(pick(a.latency, 'done'), p), unit: 'ms', baseline: percentile(pick(b.latency, 'done'), p) })
  rows.push({ metric: 'spawn_floor_p50', value: percentile(floor, 50), unit: 'ms' })
  for (const p of [50, 99] as const) {
    rows.push({ metric: `burst_post_to_ffmpeg_p${p}`, value: percentile(pick(a.burst, 'ffmpeg'), p), unit: 'ms', baseline: percentile(pick(b.burst, 'ffmpeg'), p) })
  }
  const metrics = await artdag.counters()
  const artdagPids = new Set(artdag.pids())
  printReport('coordination: tiny steps on three nodes (artdag daemons vs BullMQ workers over Redis)', rows, {
    steps,
    latencySteps,
    rounds,
    gapMs,
    slotsPerNode: slots,
    work: { type: 'generate', config: tinyGenerateConfig(0), note: 'seed varies per step' },
    throughputPerRound: { artdagJobs: a.rates, artdagOneJob: a.oneJobRates, bullmq: b.rates },
    latencyStagesMedianMs: { artdag: stageMedians(a.latency), bullmq: stageMedians(b.latency) },
    artdagCounters: metrics,
    ffmpegRuns: { artdag: (await clock.runs()).filter(r => [...artdagPids].some(pid => startedBy(r, pid))).length, expected: 3 + rounds * (latencySteps + 2 * steps + 1) },
    confirmations,
    machine: machineFacts()
  })
  for (const [name, timings] of [['artdag', a.latency], ['bullmq', b.latency]] as const) {
    log(`\n${name}: where a lone step's time goes (medians, ms)`)
    for (const [label, ms] of Object.entries(stageMedians(timings))) log(`  ${label.padEnd(64)} ${ms}`)
  }
} finally {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch(err => {
      log(`cleanup: ${(err as Error).message}`)
    })
  }
  await rm(dir, { recursive: true, force: true })
}

/**
 * The floor under every "ffmpeg started" time: this process spawning the
 * clock-stamping wrapper (`-version`) and the wrapper noting the time, in ms.
 * Both systems pay it (node's spawn of a big process, then bash's start).
 */
async function spawnFloor (wrapper: string, count: number): Promise<number[]> {
  const out: number[] = []
  const { readFile } = await import('node:fs/promises')
  const logFile = join(dirname(wrapper), 'ffmpeg-starts.log')
  for (let i = 0; i < count; i++) {
    const before = (await readFile(logFile, 'utf8')).length
    const at = Date.now()
    await new Promise<void>((resolve, reject) => {
      const child = spawn(wrapper, ['-version'], { stdio: 'ignore' })
      child.once('error', reject)
      child.once('exit', () => {
        resolve()
      })
    })
    const line = (await readFile(logFile, 'utf8')).slice(before).split('\n')[0] ?? ''
    out.push(Number(line.split('\t')[0]) * 1000 - at)
  }
  return out
}

// --- artdag ---------------------------------------------------------------------

async function artdagSystem (clock: FfmpegClock): Promise<System & { counters: () => Promise<Record<string, number>> }> {
  const env = await shippedEnv(dir, { ARTDAG_FFMPEG: clock.path, ARTDAG_EXEC__SLOTS: String(slots), ARTDAG_TRUST__CONFIRMATIONS: String(confirmations) })
  log('starting three daemons…')
  const c = await startBenchCluster(join(dir, 'artdag'), ['a', 'b', 'c'], env)
  cleanups.push(async () => {
    await c.stop()
  })
  const recorder = await EventRecorder.start(c.clients, ['step', 'job'])
  cleanups.push(async () => {
    await recorder.stop()
  })
  const indexOf = new Map(c.daemons.map((d, i) => [d.peerId, i]))
  const submitter = c.clients[0]!

  const timingOf = (jobId: string, tag: string, runnableAt: number, runs: FfmpegRun[]): StepTiming => {
    const events = recorder.ofJob(jobId)
    const arrival = events.find(r => r.node === 0 && r.event.type === 'job.running')?.event.time
    // The holder's own events: those whose peer is the daemon reporting them.
    const own = (type: string): Recorded | undefined => events.find(r => r.event.type === type && indexOf.get(r.event.peer ?? '') === r.node)
    const claimed = own('step.claimed')
    const holder = claimed?.node
    const running = own('step.running')
    const completed = own('step.completed')
    const holderArrival = events.find(r => r.node === holder && r.event.type === 'job.running')?.event.time
    const done = events.find(jobEnded(jobId, 0))?.receivedAt
    const run = runs.find(r => r.cwd.includes(`/${tag}-`))?.at
    const claim = claimed?.event.time
    const stages = chain([
      ['runnable', runnableAt],
      ['POST /v1/jobs → job.running on A (HTTP, plan, store document)', arrival],
      ['→ job.running on the holder (gossip, plan)', holderArrival],
      ['→ step.claimed (lookup, rank delay)', claim],
      ['→ step.running (settle)', running?.event.time],
      ['→ ffmpeg started (adapter, runner, spawn)', run],
      ['→ step.completed on the holder', completed?.event.time],
      ['→ job.completed read from A', done]
    ])
    const waited = typeof running?.event.waitedMs === 'number' ? running.event.waitedMs : undefined
    if (waited !== undefined) stages['(coordinator waitedMs: runnable after lookup → running)'] = waited
    return {
      ...(waited !== undefined && running !== undefined && run !== undefined ? { protocolToFfmpeg: run - (running.event.time - waited) } : {}),
      ...(claim !== undefined ? { claimed: claim - runnableAt } : {}),
      ...(run !== undefined ? { ffmpeg: run - runnableAt } : {}),
      ...(done !== undefined ? { done: done - runnableAt } : {}),
      fromArrival: arrival === undefined ? {} : { ...(claim !== undefined ? { claimed: claim - arrival } : {}), ...(run !== undefined ? { ffmpeg: run - arrival } : {}) },
      stages
    }
  }

  const submit = async (tag: string, seed: number): Promise<{ jobId: string, at: number }> => {
    const at = Date.now()
    const job = await submitter.submitJob({ recipe: tinyStepRecipe(tag, seed), inputs: {} })
    return { jobId: job.id, at }
  }

  const oneJob = async (tags: string[], seed: number): Promise<{ seconds: number }> => {
    const started = Date.now()
    const job = await submitter.submitJob({ recipe: manyTinyStepsRecipe(tags, seed), inputs: {} })
    const end = await recorder.waitFor(jobEnded(job.id, 0), 'the one job to end on A', 300_000)
    if (end.event.type !== 'job.completed') throw new Error(`job ${job.id} ${end.event.type}: ${String(end.event.error)}`)
    const wanted = new Set(tags)
    const completions = recorder.ofJob(job.id).filter(r => r.event.type === 'step.completed' && wanted.has(String(r.event.step)) && indexOf.get(r.event.peer ?? '') === r.node)
    if (completions.length !== tags.length) throw new Error(`saw ${completions.length} of ${tags.length} step completions`)
    return { seconds: (Math.max(...completions.map(r => r.event.time)) - started) / 1000 }
  }

  return {
    name: 'artdag',
    counters: async () => await artdagCounters(c),
    oneJob,
    // The daemons and their spawner helpers (which fork ffmpeg for them), not ffmpeg itself.
    pids: () => c.daemons.flatMap(d => [d.process.pid!, ...spawnerHelpersOf(d.process.pid!)]),
    one: async (tag, seed) => {
      const { jobId, at } = await submit(tag, seed)
      const end = await recorder.waitFor(jobEnded(jobId, 0), `job ${tag} to end on A`)
      if (end.event.type !== 'job.completed') throw new Error(`job ${tag} ${end.event.type}: ${String(end.event.error)}`)
      return timingOf(jobId, tag, at, await clock.runs())
    },
    burst: async (tags, seed) => {
      const started = Date.now()
      const submitted = await Promise.all(tags.map(async (tag, i) => ({ tag, ...await submit(tag, seed + i) })))
      const ends = await Promise.all(submitted.map(async s => await recorder.waitFor(jobEnded(s.jobId, 0), `job ${s.tag} to end on A`, 300_000)))
      const failed = ends.filter(e => e.event.type !== 'job.completed')
      if (failed.length > 0) throw new Error(`${failed.length} burst jobs did not complete: ${failed[0]!.event.type}`)
      const runs = await clock.runs()
      return {
        seconds: (Math.max(...ends.map(e => e.receivedAt)) - started) / 1000,
        timings: submitted.map(s => timingOf(s.jobId, s.tag, s.at, runs))
      }
    }
  }
}

async function artdagCounters (c: BenchCluster): Promise<Record<string, number>> {
  const names = [
    'artdag_lease_claims_total',
    'artdag_lease_conflicts_total',
    'artdag_lease_takeovers_total',
    'artdag_duplicate_executions_total',
    'artdag_aborted_executions_total',
    'artdag_steps_run_total',
    'artdag_cache_hits_total',
    'artdag_cache_lookup_timeouts_total'
  ]
  const totals: Record<string, number> = Object.fromEntries(names.map(n => [n, 0]))
  for (const client of c.clients) {
    const text = await client.metrics()
    for (const name of names) {
      const line = text.split('\n').find(l => l.startsWith(`${name} `))
      totals[name]! += Number(line?.split(' ')[1] ?? 0)
    }
  }
  return totals
}
