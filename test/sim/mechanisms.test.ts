import { describe, expect, it } from 'vitest'
import { firstSeed, runsFor } from './harness/budget.ts'
import { describeFailures, runScenario, seeds } from './harness/runner.ts'
import type { ScenarioName } from './harness/scenarios.ts'

/**
 * Each mechanism of docs/LEASES.md under the fault it exists for, with the
 * property it guarantees (scripts/sim-mutations.ts switches each one off and
 * names the seed that then fails):
 * - renew-loss: every lease_renew is lost, heartbeats arrive: heartbeat entries
 *   count as renewals, so nobody takes a live holder's lease over;
 * - lost-claims: one node's claims never reach the other: the holder re-asserts
 *   its lease at once when it hears the late claim, so no step runs twice at once;
 * - one-way-link: one node cannot hear another: the others tell it about the
 *   holder it cannot hear (lease_state), so overlaps end within a renewal;
 * - crash-after-claim: a node is killed while its claim is on the way out and
 *   releases it after the restart: the node that claimed meanwhile claims again
 *   above it and runs on alone;
 * - missed-input: results are lost to the only node able to run the next step:
 *   the others re-send what it missed (the stall nudge) and the job completes;
 * - missed-outcome: a node fails a job whose output another node found and
 *   misses that result: outcomes are announced for as long as they are kept, so
 *   it learns the job completed;
 * - cached-output: a job needing a step that failed for good has its output in
 *   the DHT: it completes and is never reported failed first;
 * - forged-epoch: a member claims at epoch Number.MAX_SAFE_INTEGER: the claims
 *   are refused and every step runs once;
 * - held-step: a member claims every step of a job at a plausible epoch and
 *   renews the claims without running them: after lease.maxHoldMs the others
 *   take the steps over and the job completes.
 */
const NAMES: ScenarioName[] = ['renew-loss', 'lost-claims', 'one-way-link', 'crash-after-claim', 'missed-input', 'missed-outcome', 'cached-output', 'forged-epoch', 'held-step']

describe('simulation: each mechanism under the fault it exists for', () => {
  for (const name of NAMES) {
    it(name, () => {
      const report = runScenario(name, seeds(runsFor(name), firstSeed()))
      expect(report.failures, describeFailures(report)).toEqual([])
    })
  }
})
