import { describe, expect, it } from 'vitest'
import { firstSeed, runsFor } from './harness/budget.ts'
import { describeFailures, runScenario, seeds } from './harness/runner.ts'

/**
 * Safety: with no loss and delays below settle/2 (and no paused process),
 * no step ever runs on two nodes at once — whether the nodes' membership views
 * agree (oracle) or each derives its own from heartbeats — through crashes,
 * restarts, clock skew and drift, failures, retries and cancellations. Every
 * job ends, with the right content.
 */
describe('simulation: safety with bounded delays', () => {
  for (const name of ['ideal', 'views'] as const) {
    it(`${name}: no step ever runs twice at once, every job ends correctly`, () => {
      const report = runScenario(name, seeds(runsFor(name), firstSeed()))
      expect(report.failures, describeFailures(report)).toEqual([])
      expect(report.stats.overlaps).toBe(0)
      expect(report.stats.abortedDuplicates).toBe(0)
    })
  }
})
