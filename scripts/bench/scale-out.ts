#!/usr/bin/env node
/**
 * Scale-out: the same segment-parallel recipe on one daemon and on three.
 * A source clip is generated once, cut into `--segments` parts; each part is
 * scaled up 2× with a colour change and encoded (x264 `medium`), then the
 * parts are put in sequence (one more encode, of the whole). Every daemon
 * runs ffmpeg with `-threads 1` (ARTDAG_EXEC__THREADS=1) and one step at a
 * time (ARTDAG_EXEC__SLOTS=1): one node then uses one core, as if each were a
 * one-core machine; the machine has two, so three nodes can at best double
 * the CPU one node gets (with the default slots, one node would already fill
 * both cores and a second or third would have nothing to add here).
 * Every measurement starts from fresh homes (no cache anywhere), and a fresh
 * salt in the recipe; one and three alternate so load drift hits both.
 * Time: POST /v1/jobs on the first daemon → its job.completed.
 *
 *   npm run bench:scale-out [-- --runs 2] [--segments 6] [--segment-seconds 4] [--width 480] [--height 270]
 *
 * Target (issue): three daemons ≤ 0.8 × one daemon's time.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { log, machineFacts, shippedEnv, startBenchCluster } from './lib/cluster.ts'
import { EventRecorder, jobEnded } from './lib/events.ts'
import { cpuWindow } from './lib/cpu.ts'
import { startedBy, timestampedFfmpeg } from './lib/ffmpeg-clock.ts'
import { median, sampleProcess, spawnerHelpersOf } from './lib/proc.ts'
import { segmentParallelRecipe } from './lib/recipes.ts'
import { numberArg, printReport } from './lib/report.ts'
import type { Row } from './lib/report.ts'

const runs = numberArg('runs', 2)
const segments = numberArg('segments', 6)
const segmentSeconds = numberArg('segment-seconds', 4)
const width = numberArg('width', 480)
const height = numberArg('height', 270)

const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-scale-out-'))

interface Measurement {
  seconds: number
  stepsByNode: number[]
  cpuSecondsByNode: number[]
  /** Sum of the steps' run times (ms) on each node: its busy time. */
  busyMsByNode: number[]
  /** Each step: its node, and when it ran (ms from the submit). */
  timeline: Array<{ step: string, node: number, start: number, ffmpeg: number, end: number }>
  /** Sum over the steps of step.running → its first ffmpeg (fetching inputs, workspace, probes), ms. */
  beforeFfmpegMs: number
  /** CPU seconds the daemons and their ffmpeg runs used, and what the rest of the machine used meanwhile. */
  cpu: { oursSeconds: number, othersSeconds: number, wallSeconds: number }
}

try {
  const one: Measurement[] = []
  const three: Measurement[] = []
  const salt = 200 + Math.floor(Math.random() * 1000)
  let m = 0
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? [1, 3] : [3, 1]
    for (const size of order) {
      const result = await measure(size, salt + m, `m${m}`)
      m++
      ;(size === 1 ? one : three).push(result)
      log(
        `run ${run + 1}/${runs}, ${size} daemon${size > 1 ? 's' : ''}: ${result.seconds.toFixed(1)} s; steps per node ${result.stepsByNode.join('/')}, busy s per node ${
          result.busyMsByNode.map(b => (b / 1000).toFixed(1)).join('/')
        }, before ffmpeg ${(result.beforeFfmpegMs / 1000).toFixed(1)} s in all; CPU ours ${result.cpu.oursSeconds.toFixed(1)} s, others ${result.cpu.othersSeconds.toFixed(1)} s`
      )
    }
  }
  const t1 = median(one.map(r => r.seconds))
  const t3 = median(three.map(r => r.seconds))
  const rows: Row[] = [
    { metric: 'one_daemon', value: t1, unit: 's' },
    { metric: 'three_daemons', value: t3, unit: 's', baseline: t1, ratio: t3 / t1, target: '<= 0.8x', pass: t3 / t1 <= 0.8 },
    { metric: 'ideal_on_2_cores', value: t1 / 2, unit: 's', baseline: t1, ratio: 0.5 },
    // Sum of every step's run time (running → completed): the same work, so a ratio above 1 is contention (and fetching).
    {
      metric: 'step_time_sum',
      value: median(three.map(r => r.busyMsByNode.reduce((a, b) => a + b, 0) / 1000)),
      unit: 's',
      baseline: median(one.map(r => r.busyMsByNode[0]! / 1000)),
      ratio: median(three.map(r => r.busyMsByNode.reduce((a, b) => a + b, 0))) / median(one.map(r => r.busyMsByNode[0]!))
    },
    { metric: 'before_ffmpeg_sum', value: median(three.map(r => r.beforeFfmpegMs / 1000)), unit: 's', baseline: median(one.map(r => r.beforeFfmpegMs / 1000)) },
    // What was left for us: 2 cores minus what other processes used, on average over the measurement.
    { metric: 'cores_left_by_others', value: median(three.map(r => 2 - r.cpu.othersSeconds / r.cpu.wallSeconds)), unit: 'cores', baseline: median(one.map(r => 2 - r.cpu.othersSeconds / r.cpu.wallSeconds)) },
    { metric: 'cores_used', value: median(three.map(r => r.cpu.oursSeconds / r.cpu.wallSeconds)), unit: 'cores', baseline: median(one.map(r => r.cpu.oursSeconds / r.cpu.wallSeconds)) },
    {
      metric: 'cpu_sum_with_ffmpeg',
      value: median(three.map(r => r.cpu.oursSeconds)),
      unit: 's',
      baseline: median(one.map(r => r.cpu.oursSeconds)),
      ratio: median(three.map(r => r.cpu.oursSeconds)) / median(one.map(r => r.cpu.oursSeconds))
    },
    { metric: 'daemon_cpu_sum', value: median(three.map(r => r.cpuSecondsByNode.reduce((a, b) => a + b, 0))), unit: 's', baseline: median(one.map(r => r.cpuSecondsByNode[0]!)) }
  ]
  const recipe = segmentParallelRecipe({ segments, segmentSeconds, width, height, salt })
  printReport(`scale-out: a ${segments}-segment parallel recipe on one daemon and on three (threads 1, slots 1 each)`, rows, {
    runs,
    recipe: { segments, segmentSeconds, sourceSize: `${width}x${height}`, steps: Object.keys(recipe.nodes as object).length },
    perRun: { one, three },
    machine: machineFacts()
  })
} finally {
  await rm(dir, { recursive: true, force: true })
}

async function measure (size: number, salt: number, name: string): Promise<Measurement> {
  const home = join(dir, name)
  await mkdir(`${home}-ffmpeg`, { recursive: true })
  const clock = await timestampedFfmpeg(`${home}-ffmpeg`)
  const env = await shippedEnv(dir, { ARTDAG_EXEC__THREADS: '1', ARTDAG_EXEC__SLOTS: '1', ARTDAG_FFMPEG: clock.path })
  const cluster = await startBenchCluster(home, ['a', 'b', 'c'].slice(0, size), env)
  try {
    const recorder = await EventRecorder.start(cluster.clients, ['job', 'step'])
    try {
      // A daemon's own CPU includes its spawner helper's (started with its first step); ffmpeg's is
      // counted apart, through the processes that reaped it.
      const ownCpu = async (pid: number): Promise<number> => (await Promise.all([pid, ...spawnerHelpersOf(pid)].map(async p => (await sampleProcess(p)).cpuSeconds))).reduce((a, b) => a + b, 0)
      const cpuBefore = await Promise.all(cluster.daemons.map(async d => await ownCpu(d.process.pid!)))
      const window = await cpuWindow(() => cluster.daemons.flatMap(d => [d.process.pid!, ...spawnerHelpersOf(d.process.pid!)]))
      const started = Date.now()
      const job = await cluster.clients[0]!.submitJob({ recipe: segmentParallelRecipe({ segments, segmentSeconds, width, height, salt }), inputs: {} })
      const end = await recorder.waitFor(jobEnded(job.id, 0), 'the job to end', 600_000)
      if (end.event.type !== 'job.completed') throw new Error(`job ${job.id} ${end.event.type}: ${String(end.event.error)}`)
      const cpu = await window.end()
      const cpuAfter = await Promise.all(cluster.daemons.map(async d => await ownCpu(d.process.pid!)))
      const indexOf = new Map(cluster.daemons.map((d, i) => [d.peerId, i]))
      const stepsByNode = cluster.daemons.map((_, i) => recorder.events.filter(r => r.node === i && r.event.type === 'step.running' && indexOf.get(r.event.peer ?? '') === i && r.event.job === job.id).length)
      const own = (type: string): typeof recorder.events => recorder.events.filter(r => r.event.type === type && r.event.job === job.id && indexOf.get(r.event.peer ?? '') === r.node)
      const ends = new Map(own('step.completed').map(r => [String(r.event.step), r.event.time]))
      const runs = await clock.runs()
      const firstRun = (step: string, node: number): number => Math.min(...runs.filter(x => startedBy(x, cluster.daemons[node]!.process.pid) && x.cwd.includes(`/${step}-`)).map(x => x.at))
      const timeline = own('step.running').map(r => ({
        step: String(r.event.step),
        node: r.node,
        start: r.event.time - started,
        ffmpeg: Math.round(firstRun(String(r.event.step), r.node) - started),
        end: (ends.get(String(r.event.step)) ?? Number.NaN) - started
      }))
      const beforeFfmpegMs = timeline.reduce((sum, t) => sum + (t.ffmpeg - t.start), 0)
      const busyMsByNode = cluster.daemons.map((_, i) => timeline.filter(t => t.node === i).reduce((sum, t) => sum + (t.end - t.start), 0))
      return { seconds: (end.receivedAt - started) / 1000, stepsByNode, cpuSecondsByNode: cpuAfter.map((c, i) => Math.round(100 * (c - cpuBefore[i]!)) / 100), busyMsByNode, timeline, beforeFfmpegMs, cpu }
    } finally {
      await recorder.stop()
    }
  } finally {
    await cluster.stop()
  }
}
