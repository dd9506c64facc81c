import { PerformanceObserver, constants } from 'node:perf_hooks'
import { getHeapStatistics } from 'node:v8'
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * The server's own metrics, in a registry of its own so that two servers (or a
 * restarted one) never register a name twice in the daemon's registry. A scrape
 * merges the daemon's registry with this one.
 */
export interface ApiMetrics {
  /** Counts one finished request; `route` is the route template, never the raw URL. */
  countRequest: (method: string, route: string, status: number) => void
  /** The Prometheus text of the daemon's metrics, the process metrics and ours. */
  scrape: () => Promise<{ contentType: string, text: string }>
  /** Starts watching full garbage collections (with the process metrics only); returns what stops it. */
  watchHeap: () => () => void
}

export const EVENT_LOOP_MONITORING_PRECISION_MS = 100

export function createApiMetrics (daemon: Registry, init: { defaultMetrics: boolean }): ApiMetrics {
  const own = new Registry()
  // The event-loop lag monitor wakes the process every `precision` ms: prom-client's 10 ms
  // default was most of an idle daemon's CPU (docs/BENCHMARKS.md, Idle). Lags that matter
  // here (a stalled loop delays leases and heartbeats) are tens of ms and more.
  if (init.defaultMetrics) collectDefaultMetrics({ register: own, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS })
  // The heap in use right after the last full collection: what the process holds. Node's
  // nodejs_heap_size_used_bytes also counts garbage not collected yet, for minutes at idle.
  let liveHeap = 0
  if (init.defaultMetrics) {
    new Gauge({
      name: 'artdag_heap_live_bytes',
      help: 'V8 heap in use right after the last full garbage collection (0 before the first): what the daemon holds',
      registers: [own],
      collect () {
        this.set(liveHeap)
      }
    })
  }
  const requests = new Counter({
    name: 'artdag_api_requests_total',
    help: 'Requests served on the status socket, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [own]
  })
  return {
    countRequest (method, route, status) {
      requests.inc({ method, route, status: String(status) })
    },
    watchHeap () {
      if (!init.defaultMetrics) return () => {}
      const observer = new PerformanceObserver(list => {
        for (const entry of list.getEntries()) {
          if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) liveHeap = getHeapStatistics().used_heap_size
        }
      })
      observer.observe({ entryTypes: ['gc'] })
      return () => {
        observer.disconnect()
      }
    },
    async scrape () {
      const merged = Registry.merge([daemon, own])
      return { contentType: merged.contentType, text: await merged.metrics() }
    }
  }
}
