import { createRequire } from 'node:module'
import type { Registry } from 'prom-client'

/** prom-client, loaded at the first metric made (the daemon's), not by a module that can make one: the CLI's in-process commands import the store. */
const promClient = (): typeof import('prom-client') => createRequire(import.meta.url)('prom-client') as typeof import('prom-client')

/**
 * A counter whose value is read from its owner at scrape time: components keep
 * plain numbers (pure cores know nothing of prom-client) and the daemon exports
 * them without a second count to keep in step.
 */
export function scrapedCounter (registry: Registry, name: string, help: string, read: () => number): void {
  const { Counter } = promClient()
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
