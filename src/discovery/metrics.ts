import { Counter, Registry } from 'prom-client'

/** Discovery counters, in the daemon's prom-client registry (never the global default). */
export interface DiscoveryMetrics {
  readonly registry: Registry
  /** Runs of `tailscale status --json`, by result: `ok`, `not_running`, `unavailable` (failed, timed out, missing), `invalid` (unparseable). */
  readonly tailscaleRuns: Counter<'result'>
  /** Dials to discovered addresses, by source (`tailscale`) and result (`ok`, `error`). */
  readonly dials: Counter<'source' | 'result'>
}

function counter<T extends string> (registry: Registry, name: string, help: string, labelNames: T[]): Counter<T> {
  const existing = registry.getSingleMetric(name)
  if (existing instanceof Counter) return existing as Counter<T>
  return new Counter<T>({ name, help, labelNames, registers: [registry] })
}

export function createDiscoveryMetrics (registry: Registry = new Registry()): DiscoveryMetrics {
  return {
    registry,
    tailscaleRuns: counter(registry, 'artdag_discovery_tailscale_runs_total', 'Runs of tailscale status --json, by result', ['result']),
    dials: counter(registry, 'artdag_discovery_dials_total', 'Dials to discovered addresses, by source and result', ['source', 'result'])
  }
}
