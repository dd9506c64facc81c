import { describe, expect, it } from 'vitest'
import { firstSeed, runsFor } from './harness/budget.ts'
import { describeFailures, runScenario, seeds } from './harness/runner.ts'

/**
 * The counterexamples a review found (issue 7), as scenarios that must pass:
 * - isolated-failures: the job reaches every node, then one node is cut off
 *   while another runs the step (for minutes); the isolated one fails it
 *   maxAttempts times alone. At the heal the healthy execution is not aborted,
 *   it runs alone again within a renewal, and every node ends the job
 *   COMPLETED (attempts count on distinct nodes);
 * - late-lookup: two nodes, only one can run the output step; the other fails
 *   the remaining step maxAttempts times while the capable node is down; the
 *   output turns out to be cached: the job ends COMPLETED everywhere (a job is
 *   not failed while lookups are pending, and a failed job runs again when its
 *   failure no longer holds).
 * The liveness check is strict: a job ends FAILED only through a step that is
 * needed given every result that existed anywhere at the end.
 */
describe('simulation: counterexamples to convergence', () => {
  for (const name of ['isolated-failures', 'late-lookup'] as const) {
    it(name, () => {
      const report = runScenario(name, seeds(runsFor(name), firstSeed()))
      expect(report.failures, describeFailures(report)).toEqual([])
    })
  }
})
