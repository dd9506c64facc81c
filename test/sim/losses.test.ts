import { describe, expect, it } from 'vitest'
import { firstSeed, runsFor } from './harness/budget.ts'
import { describeFailures, runScenario, seeds } from './harness/runner.ts'

/**
 * lost-output: outputs live on the nodes that made them, and a node is killed
 * right after it publishes a result, before anyone fetched its output. The run
 * that reads it cannot fetch it; every node forgets that result (its holders
 * are dead in its view), it runs again, the reader runs after it, and the job
 * completes with no failed attempt counted (src/jobs/core/losses.ts).
 */
describe('simulation: an output lost with its producer', () => {
  it('lost-output', () => {
    const report = runScenario('lost-output', seeds(runsFor('lost-output'), firstSeed()))
    expect(report.failures, describeFailures(report)).toEqual([])
    // The scenario does what it says: reads fail and results are forgotten in a good share of the runs.
    expect(report.stats.runsWithInputLosses).toBeGreaterThan(report.stats.runs / 4)
    expect(report.stats.resultsLost).toBeGreaterThanOrEqual(report.stats.runsWithInputLosses)
  })
})
