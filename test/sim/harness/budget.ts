/**
 * How many seeds each scenario runs under `npx vitest run`: enough for
 * thousands of runs per scenario while the whole simulator stays within
 * ~30 s on two cores. SIM_SCALE multiplies them (0.1 for a quick pass, 10 for a soak).
 */
import type { ScenarioName } from './scenarios.ts'

const BASE: Record<ScenarioName, number> = {
  confirmed: 400,
  'untrusted-executor': 300,
  ideal: 1500,
  views: 1000,
  lossy: 1500,
  partitions: 1200,
  // Each race run holds 50 simultaneous races.
  race: 40,
  'race-solo': 40,
  takeover: 1500,
  failures: 1000,
  cancel: 1000,
  restart: 1500,
  shared: 1000,
  latency: 500,
  wan: 400,
  // Each holds 50 contested steps.
  'wan-race': 20,
  busy: 300,
  // Hours of simulated time each: few seeds.
  'lossy-long': 3,
  asymmetric: 150,
  'long-partitions': 20,
  'paused-holder': 300,
  'stale-restart': 500,
  divergent: 400,
  'isolated-failures': 20,
  'late-lookup': 50,
  // One mechanism each (test/sim/mechanisms.test.ts): with it switched off, most of these seeds fail.
  'renew-loss': 40,
  'lost-claims': 100,
  'one-way-link': 60,
  'crash-after-claim': 100,
  'missed-input': 50,
  'missed-outcome': 30,
  'cached-output': 30,
  'forged-epoch': 40,
  'held-step': 30,
  // Each run waits out fetch timeouts of 18–30 s of simulated time.
  'lost-output': 200
}

export function runsFor (name: ScenarioName): number {
  const scale = Number(process.env.SIM_SCALE ?? '1')
  return Math.max(1, Math.round(BASE[name] * (Number.isFinite(scale) && scale > 0 ? scale : 1)))
}

/** The first seed; SIM_FIRST_SEED moves the whole window (e.g. for a nightly soak on fresh seeds). */
export function firstSeed (): number {
  const first = Number(process.env.SIM_FIRST_SEED ?? '1')
  return Number.isInteger(first) ? first : 1
}
