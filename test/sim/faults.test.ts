import { describe, expect, it } from 'vitest'
import { firstSeed, runsFor } from './harness/budget.ts'
import { describeFailures, runScenario, seeds } from './harness/runner.ts'

/**
 * The faults of a real network and real machines, each over many seeds:
 * - lossy-long: 35 % loss, 8 nodes, 10-minute steps: takeovers of live holders
 *   are refuted, and every job completes (it did not before: unilateral
 *   takeovers aborted healthy holders over and over);
 * - asymmetric: a node that can send but not receive (or the reverse) for 30 s
 *   costs nobody else an execution;
 * - long-partitions: partitions of up to 15 minutes while steps of up to 30
 *   minutes run: every node ends each job the same way, with the same output;
 * - paused-holder: a holder paused past the ttl resumes and yields to the node
 *   that took its step over;
 * - stale-restart: restarts from snapshots older than the last write;
 * - divergent: one node's executor gives other bytes; every node keeps the same
 *   output and the mismatch is counted.
 */
describe('simulation: loss, one-way faults, long partitions, pauses, stale snapshots, divergent executors', () => {
  for (const name of ['lossy-long', 'asymmetric', 'long-partitions', 'paused-holder', 'stale-restart', 'divergent'] as const) {
    it(name, () => {
      const report = runScenario(name, seeds(runsFor(name), firstSeed()))
      expect(report.failures, describeFailures(report)).toEqual([])
      if (name === 'lossy-long') expect(report.stats.takeoversRefuted).toBeGreaterThan(0)
    })
  }
})
