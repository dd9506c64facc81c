/**
 * Runs a scenario's seeds and prints the first that fails, as JSON (used by
 * scripts/sim-mutations.ts on a mutated copy of the source):
 *   node_modules/.bin/node test/sim/find-failure.ts <scenario> <first seed> <last seed>
 */
import { checkRun } from './harness/properties.ts'
import { buildScenario } from './harness/scenarios.ts'
import type { ScenarioName } from './harness/scenarios.ts'
import { runSimulation } from './harness/world.ts'

const [name, firstText, lastText] = process.argv.slice(2)
const first = Number(firstText ?? '1')
const last = Number(lastText ?? String(first))
let found: { seed: number, violations: string[] } | undefined
for (let seed = first; seed <= last && found === undefined; seed++) {
  let violations: string[]
  try {
    violations = checkRun(name as ScenarioName, runSimulation(buildScenario(name as ScenarioName, seed)))
  } catch (err: unknown) {
    violations = [`threw: ${err instanceof Error ? err.message : String(err)}`]
  }
  if (violations.length > 0) found = { seed, violations: violations.slice(0, 3) }
}
console.log(JSON.stringify(found ?? null))
