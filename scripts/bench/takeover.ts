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
import { timestampedFfmpeg } from './lib/ffmpeg-clock.ts'
import { median } from './lib/proc.ts'
import { numberArg, printReport } from './lib/report.ts'
import { takeoverOnce } from './lib/takeover-run.ts'
import type { Row } from './lib/report.ts'
import type { TakeoverCluster, TakeoverSample } from './lib/takeover-run.ts'

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

  const samples: TakeoverSample[] = []
  const base = Math.floor(Math.random() * 1e9)
  const target: TakeoverCluster = {
    daemons: cluster.daemons,
    clients: cluster.clients,
    clock,
    restart: async (index, survivor) => {
      cluster.daemons[index] = await Daemon.start(cluster.homes[index]!, { env, bootstrap: [cluster.daemons[survivor]!.addresses[0]!] })
      await waitAllAlive(cluster.clients, 2)
    }
  }
  for (let run = 0; run < runs; run++) {
    log(`run ${run + 1}/${runs}:`)
    samples.push(await takeoverOnce(target, { tag: `long${run}`, seed: base + run, submitter: run % 3, stepSeconds, killAfterMs, renewMs }))
  }
  const toClaim = samples.map(s => s.toClaim)
  const toRunning = samples.map(s => s.toRunning)
  const toFfmpeg = samples.map(s => s.toFfmpeg)
  const toDone = samples.map(s => s.toDone)
  const ranBeforeKill = samples.map(s => s.ranBeforeKill)

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
