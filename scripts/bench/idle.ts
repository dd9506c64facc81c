#!/usr/bin/env node
/**
 * Idle cost of a daemon with two peers connected: RSS and CPU of one daemon
 * over a window (default 60 s), next to a bare Node process (the same runtime
 * doing nothing) measured over the same window, on the same machine.
 *
 *   npm run bench:idle [-- --seconds 60] [--settle 5] [--heartbeat 3000] [--env KEY=VALUE]…
 *
 * `--settle S`: seconds between the peers being alive and the window. A daemon
 * pings its peers at its quiet pace 160 s after its last work, or, with no work
 * since its start, once it holds 8 samples of each peer (~40 s after they are
 * alive): `--settle 170` measures a daemon idle for long (docs/BENCHMARKS.md, Idle).
 *
 * Targets (issue 11; issue 2 asked ≤ 200 MB and ≤ 1 %): RSS ≤ 150 MB, CPU ≤ 0.5 %.
 * `cpu_mean_of_three` is the three daemons' CPU averaged: the same cost, three
 * times the clock ticks of one daemon's figure (steadier on a noisy machine).
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApiClient } from '../../src/api/client.ts'
import { loadConfig } from '../../src/config/load.ts'
import { eventually, initHomes, startCluster } from '../../test/e2e/helpers/daemon.ts'
import { envArgs } from './lib/cluster.ts'
import { median, watchProcess } from './lib/proc.ts'
import { numberArg, printReport } from './lib/report.ts'

const seconds = numberArg('seconds', 60)
const settleSeconds = numberArg('settle', 5)
const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-idle-'))
// The shipped timings (config/default.yaml), not the e2e harness's fast ones: what a user runs.
const { config: defaults } = await loadConfig({ home: dir })
const heartbeatMs = numberArg('heartbeat', defaults.membership.heartbeatIntervalMs)
const env = {
  ARTDAG_LOG__LEVEL: 'warn',
  // --heartbeat MS measures another heartbeat interval (suspect and dead scale with it).
  ARTDAG_MEMBERSHIP__HEARTBEAT_INTERVAL_MS: String(heartbeatMs),
  ARTDAG_MEMBERSHIP__SUSPECT_AFTER_MS: String(Math.round(heartbeatMs * defaults.membership.suspectAfterMs / defaults.membership.heartbeatIntervalMs)),
  ARTDAG_MEMBERSHIP__DEAD_AFTER_MS: String(Math.round(heartbeatMs * defaults.membership.deadAfterMs / defaults.membership.heartbeatIntervalMs)),
  ARTDAG_REGISTRY__PUBLISH_INTERVAL_MS: String(defaults.registry.publishIntervalMs),
  // --env KEY=VALUE: extra daemon environment (a config key, NODE_OPTIONS for a profile).
  ...envArgs()
}
const homes = await initHomes(dir, ['a', 'b', 'c'])
const daemons = await startCluster(homes, { env })
const baseline = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' })
try {
  const [a] = daemons
  await eventually(async () => (await a!.json(['status'])).membership.alive === 2, { what: 'two peers alive', timeoutMs: 60_000 })
  // Let start-up work (first registry publishes, DHT self-queries) settle before measuring.
  await new Promise(resolve => setTimeout(resolve, settleSeconds * 1000))
  // Heartbeats A delivered without forwarding them (docs/PROTOCOL.md "Heartbeat forwarding"), over the window.
  const metricsOfA = createApiClient({ home: a!.home, socketPath: a!.socket })
  const notForwardedBefore = notForwarded(await metricsOfA.metrics())
  // A is the daemon the targets are about; B and C are watched too, their sum is steadier than one daemon's ticks.
  const [daemon, bare, ...others] = await Promise.all([watchProcess(a!.process.pid!, seconds), watchProcess(baseline.pid!, seconds), ...daemons.slice(1).map(async d => await watchProcess(d.process.pid!, seconds))])
  const clusterCpu = [daemon, ...others].reduce((sum, d) => sum + d.cpuPercent, 0) / daemons.length
  const status = await a!.json(['status'])
  const heartbeatsNotForwarded = notForwarded(await metricsOfA.metrics()) - notForwardedBefore
  const rssMb = median(daemon.rssBytes) / 1e6
  const peakMb = Math.max(...daemon.rssBytes) / 1e6
  const bareMb = median(bare.rssBytes) / 1e6
  printReport('idle daemon, two peers connected', [
    { metric: 'rss_median', value: rssMb, unit: 'MB', baseline: bareMb, ratio: rssMb / bareMb, target: '<= 150', pass: rssMb <= 150 },
    { metric: 'rss_peak', value: peakMb, unit: 'MB', baseline: Math.max(...bare.rssBytes) / 1e6 },
    { metric: 'cpu', value: daemon.cpuPercent, unit: '%', baseline: bare.cpuPercent, target: '<= 0.5', pass: daemon.cpuPercent <= 0.5 },
    { metric: 'cpu_per_second_median', value: median(daemon.perSecondCpuPercent), unit: '%', baseline: median(bare.perSecondCpuPercent) },
    { metric: 'cpu_mean_of_three', value: clusterCpu, unit: '%', baseline: bare.cpuPercent },
    { metric: 'heartbeats_not_forwarded', value: heartbeatsNotForwarded, unit: 'count' }
  ], { loadAverage: loadavg()[0], seconds, settleSeconds, heartbeatIntervalMs: heartbeatMs, peersConnected: status.peers.connected, node: process.version })
} finally {
  baseline.kill()
  await Promise.all(daemons.map(async d => {
    await d.stop()
  }))
  await rm(dir, { recursive: true, force: true })
}

/** A's count of heartbeats delivered without forwarding, from its metrics text (0 before the counter existed). */
function notForwarded (metrics: string): number {
  const line = metrics.split('\n').find(l => l.startsWith('artdag_pubsub_messages_not_forwarded_total{') && l.includes('heartbeat'))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
}
