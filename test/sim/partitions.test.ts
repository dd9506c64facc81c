import { describe, expect, it } from 'vitest'
import { firstSeed, runsFor } from './harness/budget.ts'
import { describeFailures, runScenario, seeds } from './harness/runner.ts'

/**
 * Partitions that heal and processes that pause (then resume with stale
 * state): every job ends correctly after the heal; at most one execution of a
 * step per partition side and per paused node at a time, and every overlap
 * ends within one renew interval (plus a round trip) after the heal or resume.
 */
describe('simulation: partitions and paused processes', () => {
  it('partitions: jobs end correctly and duplicates stop soon after the heal', () => {
    const report = runScenario('partitions', seeds(runsFor('partitions'), firstSeed()))
    expect(report.failures, describeFailures(report)).toEqual([])
  })
})
