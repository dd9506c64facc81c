import { describe, expect, it } from 'vitest'
import { firstSeed, runsFor } from './harness/budget.ts'
import { describeFailures, runScenario, seeds } from './harness/runner.ts'

/**
 * Failures, cancellation, restarts and shared steps, each over many seeds:
 * - failures: a step that always fails ends FAILED after maxAttempts attempts on
 *   distinct nodes, with its error tail, while another job completes; a step
 *   failing on one node only succeeds on another;
 * - cancel: a cancelled job stops everywhere, its steps stop, steps it shares
 *   with a live job keep running and that job completes;
 * - restart: nodes crash mid-job and resume from their snapshot; epochs keep
 *   growing; the jobs end;
 * - shared: jobs sharing steps run each shared step exactly once.
 */
describe('simulation: failures, cancellation, restarts, shared steps', () => {
  for (const name of ['failures', 'cancel', 'restart', 'shared'] as const) {
    it(`${name}`, () => {
      const report = runScenario(name, seeds(runsFor(name), firstSeed()))
      expect(report.failures, describeFailures(report)).toEqual([])
      expect(report.stats.overlaps).toBe(0)
    })
  }
})
