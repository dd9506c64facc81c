import { describe, expect, it } from 'vitest'
import { firstSeed, runsFor } from './harness/budget.ts'
import { describeFailures, runScenario, seeds } from './harness/runner.ts'

/**
 * Takeover: a node is killed (kill -9: no release, its execution dies) while
 * it runs a step; another node starts that step within the last renewal's
 * delay + ttl (on a drifting clock) + rank delays + settle, and the job ends.
 */
describe('simulation: takeover after a crash', () => {
  it('takeover: another node starts the step within ttl + rank delays + settle', () => {
    const report = runScenario('takeover', seeds(runsFor('takeover'), firstSeed()))
    expect(report.failures, describeFailures(report)).toEqual([])
    expect(report.stats.takeoverDelaysMs.length).toBeGreaterThan(report.stats.runs / 2)
  })
})
