import { describe, expect, it } from 'vitest'
import { firstSeed, runsFor } from './harness/budget.ts'
import { describeFailures, runScenario, seeds } from './harness/runner.ts'

/**
 * Loss (1–20 %), duplication, reordering, long delay tails, a lossy start,
 * lost cache lookups, stale snapshots, crashes: every job still ends with the
 * right content; a step runs more than once only after a lost or late message
 * about it (or a crash), and never more often than such faults (the bound of
 * docs/LEASES.md).
 */
describe('simulation: lossy network', () => {
  it('lossy: jobs end correctly, duplicates only with a cause and within the bound', () => {
    const report = runScenario('lossy', seeds(runsFor('lossy'), firstSeed()))
    expect(report.failures, describeFailures(report)).toEqual([])
  })
})
