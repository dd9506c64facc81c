import { cpus, loadavg } from 'node:os'
import { createApiClient } from '../../../src/api/client.ts'
import { loadConfig } from '../../../src/config/load.ts'
import { Daemon, eventually, initHomes, startCluster } from '../../../test/e2e/helpers/daemon.ts'
import type { ApiClient } from '../../../src/api/client.ts'

/** Real daemons for the job benchmarks: the shipped timings, not the e2e harness's fast ones. */

export interface BenchCluster {
  homes: string[]
  daemons: Daemon[]
  clients: ApiClient[]
  env: Record<string, string>
  /** Stops every daemon still running (SIGTERM, then waits). */
  stop: () => Promise<void>
}

/**
 * The environment of a daemon as a user runs it (config/default.yaml's
 * membership and registry timings, which FAST_ENV would otherwise shorten),
 * quiet logs, plus `extra` (exec slots, threads, ffmpeg, lease timings…),
 * plus any `--env KEY=VALUE` given on the command line.
 */
export async function shippedEnv (dir: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const { config } = await loadConfig({ home: dir })
  return {
    ARTDAG_LOG__LEVEL: 'warn',
    ARTDAG_MEMBERSHIP__HEARTBEAT_INTERVAL_MS: String(config.membership.heartbeatIntervalMs),
    ARTDAG_MEMBERSHIP__SUSPECT_AFTER_MS: String(config.membership.suspectAfterMs),
    ARTDAG_MEMBERSHIP__DEAD_AFTER_MS: String(config.membership.deadAfterMs),
    ARTDAG_REGISTRY__PUBLISH_INTERVAL_MS: String(config.registry.publishIntervalMs),
    ...extra,
    ...envArgs()
  }
}

/**
 * `artdag init` + `artdag daemon` for each name under `dir`, then waits until
 * every daemon sees all the others alive (so each is a candidate for steps
 * in every view) and connected.
 */
export async function startBenchCluster (dir: string, names: string[], env: Record<string, string>): Promise<BenchCluster> {
  const homes = await initHomes(dir, names)
  const daemons = await startCluster(homes, { env })
  const stop = async (): Promise<void> => {
    await Promise.all(daemons.map(async d => await d.stop()))
  }
  try {
    const clients = homes.map(home => createApiClient({ home }))
    await waitAllAlive(clients, names.length - 1)
    return { homes, daemons, clients, env, stop }
  } catch (err: unknown) {
    await stop()
    throw err
  }
}

/** Every client's daemon sees `others` peers alive. */
export async function waitAllAlive (clients: ApiClient[], others: number, timeoutMs = 90_000): Promise<void> {
  await Promise.all(clients.map(async (client, i) =>
    await eventually(async () => {
      const status = await client.status()
      return status.membership.alive >= others && status.peers.connected >= others
    }, { what: `daemon ${i} to see ${others} peers alive`, timeoutMs, intervalMs: 250 })
  ))
}

/** What the machine was doing when a bench ran: recorded with every result. */
export function machineFacts (): Record<string, unknown> {
  const [load1, load5, load15] = loadavg()
  return { cores: cpus().length, cpu: cpus()[0]?.model, loadavg: { '1m': load1, '5m': load5, '15m': load15 }, node: process.version }
}

/** `--name value` as a string, with a default. */
export function stringArg (name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback)
}

export function flagArg (name: string): boolean {
  return process.argv.includes(`--${name}`)
}

/** Every `--env KEY=VALUE` from argv: extra daemon environment, for experiments (e.g. a config key). */
export function envArgs (): Record<string, string> {
  const out: Record<string, string> = {}
  process.argv.forEach((arg, i) => {
    if (arg !== '--env') return
    const pair = process.argv[i + 1] ?? ''
    const at = pair.indexOf('=')
    if (at <= 0) throw new Error(`--env needs KEY=VALUE, got ${JSON.stringify(pair)}`)
    out[pair.slice(0, at)] = pair.slice(at + 1)
  })
  return out
}

export const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}
