#!/usr/bin/env node
/**
 * Takeover after a crash: three daemons, a job of one long step; once its
 * ffmpeg has run for `--kill-after` ms plus a random part of one renewal
 * interval (so kills fall anywhere between two renewals), the holder gets
 * `kill -9`. Measured
 * from the kill: the takeover claim (`step.claimed` with reason `takeover`),
 * the step running again on another node (`step.running`, and the new
 * ffmpeg's start from the clock-stamping wrapper), and the job's completion
 * as a surviving node reports it. The killed daemon is then restarted on its
 * home and the next run waits until all three see each other alive.
 *
 * The baseline is the protocol's own bound, from the same run's config:
 * the lease ttl (a lease lapses ttl after its holder was last heard, which is
 * at most one renewal interval before the kill).
 *
 *   npm run bench:takeover [-- --runs 5] [--ttl 6000] [--kill-after 1000] [--step-seconds 90]
 *
 * Targets (issue): kill → running again ≤ ttl + 2 s, and ≤ 10 s with the default ttl (6 s).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.ts'
import { Daemon } from '../../test/e2e/helpers/daemon.ts'
import { log, machineFacts, shippedEnv, startBenchCluster, waitAllAlive } from './lib/cluster.ts'
import { EventRecorder, jobEnded } from './lib/events.ts'
import { startedBy, timestampedFfmpeg } from './lib/ffmpeg-clock.ts'
import { median } from './lib/proc.ts'
import { numberArg, printReport } from './lib/report.ts'
import type { Recorded } from './lib/events.ts'
import type { Row } from './lib/report.ts'

const runs = numberArg('runs', 5)
const killAfterMs = numberArg('kill-after', 1000)
const stepSeconds = numberArg('step-seconds', 90)

const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-takeover-'))
const cleanups: Array<() => Promise<unknown>> = []

try {
  const { config: defaults } = await loadConfig({ home: dir })
  const ttlMs = numberArg('ttl', defaults.lease.ttlMs)
  const renewMs = ttlMs === defaults.lease.ttlMs ? defaults.lease.renewIntervalMs : Math.round(ttlMs / 3)
  const clock = await timestampedFfmpeg(dir)
  const env = await shippedEnv(dir, {
    ARTDAG_FFMPEG: clock.path,
    ARTDAG_LEASE__TTL_MS: String(ttlMs),
    ARTDAG_LEASE__RENEW_INTERVAL_MS: String(renewMs)
  })
  log(`starting three daemons (lease ttl ${ttlMs} ms, renew ${renewMs} ms)…`)
  const cluster = await startBenchCluster(join(dir, 'daemons'), ['a', 'b', 'c'], env)
  cleanups.push(async () => {
    await cluster.stop()
  })

  const toRunning: number[] = []
  const toFfmpeg: number[] = []
  const toClaim: number[] = []
  const toDone: number[] = []
  const ranBeforeKill: number[] = []
  const base = Math.floor(Math.random() * 1e9)
  for (let run = 0; run < runs; run++) {
    const recorder = await EventRecorder.start(cluster.clients, ['job', 'step'])
    try {
      const indexOf = new Map(cluster.daemons.map((d, i) => [d.peerId, i]))
      const tag = `long${run}`
      // A few seconds of x264 per run on one core: long enough to be killed mid-way.
      const recipe = { version: 1, name: 'takeover', nodes: { [tag]: { type: 'generate', config: { pattern: 'testsrc2', duration: stepSeconds, width: 640, height: 360, fps: 25, audio: 'none', seed: base + run } } }, output: tag }
      const submitter = run % 3
      const job = await cluster.clients[submitter]!.submitJob({ recipe, inputs: {} })
      const own = (type: string) => (r: Recorded): boolean => r.event.job === job.id && r.event.type === type && indexOf.get(r.event.peer ?? '') === r.node
      const running = await recorder.waitFor(own('step.running'), 'the step running', 60_000)
      const holder = running.node
      const victim = cluster.daemons[holder]!
      // Its ffmpeg must have started and run a while: the kill hits a step mid-work.
      const first = await waitForRun(async () => (await clock.runs()).find(r => startedBy(r, victim.process.pid) && r.cwd.includes(`/${tag}-`)))
      // Anywhere in a renewal period: the lease lapses ttl after the holder was last heard, so the phase matters.
      const killAt = first.at + killAfterMs + Math.random() * renewMs
      await new Promise(resolve => setTimeout(resolve, Math.max(0, killAt - Date.now())))
      if (recorder.events.some(r => r.event.job === job.id && r.event.type === 'step.completed')) {
        throw new Error(`the step finished before the kill (${Math.round(Date.now() - first.at)} ms of ffmpeg): raise --step-seconds`)
      }
      const killedAt = Date.now()
      await victim.kill()
      log(`run ${run + 1}/${runs}: killed the holder (daemon ${String('abc'[holder])}) ${Math.round(killedAt - first.at)} ms into its ffmpeg`)
      const survivor = (holder + 1) % 3
      const claim = await recorder.waitFor(r => r.event.job === job.id && r.event.type === 'step.claimed' && r.node !== holder && indexOf.get(r.event.peer ?? '') === r.node, 'the takeover claim', 60_000)
      const again = await recorder.waitFor(r => own('step.running')(r) && r.node !== holder, 'the step running again', 60_000)
      const newHolder = cluster.daemons[again.node]!
      const rerun = await waitForRun(async () => (await clock.runs()).find(r => startedBy(r, newHolder.process.pid) && r.cwd.includes(`/${tag}-`)))
      const end = await recorder.waitFor(jobEnded(job.id, survivor), 'the job to end on a survivor', 300_000)
      if (end.event.type !== 'job.completed') throw new Error(`job ${job.id} ${end.event.type}: ${String(end.event.error)}`)
      toClaim.push(claim.event.time - killedAt)
      toRunning.push(again.event.time - killedAt)
      toFfmpeg.push(rerun.at - killedAt)
      toDone.push(end.event.time - killedAt)
      ranBeforeKill.push(Math.round(killedAt - first.at))
      log(
        `  claimed ${String(toClaim.at(-1))} ms (${String(claim.event.reason as string | undefined ?? 'no reason')}), running ${String(toRunning.at(-1))} ms, ffmpeg ${Math.round(toFfmpeg.at(-1)!)} ms, job completed ${
          String(toDone.at(-1))
        } ms after the kill`
      )
      // Back to three: the killed daemon restarts on its home (it releases nothing: its lease was taken over).
      cluster.daemons[holder] = await Daemon.start(cluster.homes[holder]!, { env, bootstrap: [cluster.daemons[survivor]!.addresses[0]!] })
      await waitAllAlive(cluster.clients, 2)
    } finally {
      await recorder.stop()
    }
  }

  const rows: Row[] = [
    { metric: 'kill_to_takeover_claim', value: median(toClaim), unit: 'ms', baseline: ttlMs, ratio: median(toClaim) / ttlMs },
    {
      metric: 'kill_to_running_again',
      value: median(toRunning),
      unit: 'ms',
      baseline: ttlMs,
      ratio: median(toRunning) / ttlMs,
      target: `<= ${ttlMs + 2000}${ttlMs === 6000 ? ' (and <= 10000)' : ''}`,
      pass: Math.max(...toRunning) <= Math.min(ttlMs + 2000, ttlMs === 6000 ? 10_000 : Infinity)
    },
    { metric: 'kill_to_running_again_max', value: Math.max(...toRunning), unit: 'ms', baseline: ttlMs, ratio: Math.max(...toRunning) / ttlMs },
    { metric: 'kill_to_running_again_min', value: Math.min(...toRunning), unit: 'ms', baseline: ttlMs, ratio: Math.min(...toRunning) / ttlMs },
    { metric: 'kill_to_ffmpeg_again', value: median(toFfmpeg), unit: 'ms', baseline: ttlMs, ratio: median(toFfmpeg) / ttlMs },
    { metric: 'kill_to_job_completed', value: median(toDone), unit: 'ms' }
  ]
  printReport(`takeover: kill -9 of a running step's holder, three daemons, lease ttl ${ttlMs} ms`, rows, {
    runs,
    ttlMs,
    renewIntervalMs: renewMs,
    killAfterMs,
    perRun: { toClaim, toRunning, toFfmpeg, toDone, ranBeforeKill },
    machine: machineFacts()
  })
} finally {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch(err => {
      log(`cleanup: ${(err as Error).message}`)
    })
  }
  await rm(dir, { recursive: true, force: true })
}

async function waitForRun<T> (find: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const found = await find()
    if (found !== undefined) return found
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  throw new Error('timed out waiting for an ffmpeg run')
}
