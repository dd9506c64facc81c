import { describe, expect, it } from 'vitest'
import { firstSeed, runsFor } from './harness/budget.ts'
import { describeFailures, runScenario, seeds } from './harness/runner.ts'

/**
 * Result trust (trust.confirmations 2, the shipped default), each over many seeds:
 * - confirmed: every result a node keeps was attested by two distinct members
 *   (unless only one live node could run the step), with loss, crashes and
 *   steps that fail on some nodes or on all; every job still ends, the same
 *   way on every node;
 * - untrusted-executor: one member of three to five returns other bytes for
 *   every step it runs: no node keeps bytes only that member produced, and
 *   every job still ends.
 */
describe('simulation: results confirmed by a second member', () => {
  for (const name of ['confirmed', 'untrusted-executor'] as const) {
    it(name, () => {
      const report = runScenario(name, seeds(runsFor(name), firstSeed()))
      expect(report.failures, describeFailures(report)).toEqual([])
    })
  }
})
