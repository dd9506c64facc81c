import { Counter } from 'prom-client'
import type { Registry } from 'prom-client'

/**
 * A counter whose value is read from its owner at scrape time: components keep
 * plain numbers (pure cores know nothing of prom-client) and the daemon exports
 * them without a second count to keep in step.
 */
export function scrapedCounter (registry: Registry, name: string, help: string, read: () => number): void {
  // Registered on construction: the registry holds it, so the object itself is not kept.
  new Counter({
    name,
    help,
    registers: [registry],
    collect () {
      this.reset()
      this.inc(read())
    }
  })
}
