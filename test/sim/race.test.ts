import { describe, expect, it } from 'vitest'
import { firstSeed, runsFor } from './harness/budget.ts'
import { describeFailures, runScenario, seeds } from './harness/runner.ts'

/**
 * Races: fifty steps become runnable at the same instant on every node. With
 * agreeing views the rank delays keep the claims apart; with the worst
 * disagreement (each node sees only itself, so every node claims every step at
 * once) the claim order and the settle window pick one. Each time exactly one
 * node runs the step.
 */
describe('simulation: simultaneous claims', () => {
  it('race: fifty steps runnable at once, each runs exactly once', () => {
    const report = runScenario('race', seeds(runsFor('race'), firstSeed()))
    expect(report.failures, describeFailures(report)).toEqual([])
    expect(report.stats.conflictsLost).toBe(0)
  })

  it('race-solo: every node claims every step at the same moment, each still runs exactly once', () => {
    const report = runScenario('race-solo', seeds(runsFor('race-solo'), firstSeed()))
    expect(report.failures, describeFailures(report)).toEqual([])
    expect(report.stats.conflictsLost).toBeGreaterThan(0)
  })
})
