import { createApiClient } from '../../../src/api/client.ts'
import { startWanCluster } from '../../../test/e2e/helpers/wan-cluster.ts'
import { log, shippedEnv } from './cluster.ts'
import type { ApiClient } from '../../../src/api/client.ts'
import type { WanCluster } from '../../../test/e2e/helpers/wan-cluster.ts'

/** Daemons behind the WAN link (test/e2e/helpers/wan/) for the benchmarks, with the shipped timings. */

export interface BenchWanCluster extends WanCluster {
  clients: ApiClient[]
}

/**
 * `nodes` daemons behind one link at `oneWayMs ± jitterMs`, each with the
 * shipped config (shippedEnv) plus `extra`; resolves once every one sees all
 * the others alive.
 */
export async function startBenchWanCluster (dir: string, nodes: number, shape: { oneWayMs: number, jitterMs: number }, extra: Record<string, string> = {}, options: { startConcurrency?: number } = {}): Promise<BenchWanCluster> {
  const env = await shippedEnv(dir, extra)
  const cluster = await startWanCluster({ nodes, ...shape, env, dir, timeoutMs: 180_000, ...options })
  // A restarted daemon keeps its home and socket path: these clients follow it.
  const clients = cluster.daemons.map(d => createApiClient({ home: d.home, socketPath: d.socket }))
  return Object.assign(cluster, { clients })
}

/** Each counter summed over its series and over the daemons' /metrics (an unreachable daemon counts 0). */
export async function counterTotals (clients: ApiClient[], names: string[]): Promise<Record<string, number>> {
  const totals: Record<string, number> = Object.fromEntries(names.map(n => [n, 0]))
  for (const client of clients) {
    const text = await client.metrics().catch(() => '')
    for (const line of text.split('\n')) {
      // `name value` or `name{labels} value`: every series of a labelled counter counts.
      const name = /^([a-z_]+)[ {]/.exec(line)?.[1]
      if (name !== undefined && name in totals) totals[name]! += Number(line.split(' ').at(-1))
    }
  }
  return totals
}

/** `after − before` for every key. */
export function delta (before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]))
}

export interface Crash {
  node: number
  code: number | null
  signal: string | null
  logs: string[]
}

/** Daemons that exit on their own (not through `stopping()`): recorded with their last log lines, and logged. */
export function watchCrashes (cluster: WanCluster): { crashes: Crash[], stopping: () => void } {
  const crashes: Crash[] = []
  let stopping = false
  cluster.daemons.forEach((d, node) => {
    void d.exited.then(({ code, signal }) => {
      if (stopping) return
      crashes.push({ node, code, signal, logs: d.logs.slice(-12) })
      log(`  daemon ${node} exited (${code ?? signal}):\n    ${d.logs.slice(-8).join('\n    ')}`)
    })
  })
  return {
    crashes,
    stopping: () => {
      stopping = true
    }
  }
}
