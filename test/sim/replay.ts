/**
 * Replays one simulated run and prints what happened.
 *   node_modules/.bin/node test/sim/replay.ts <scenario> <seed> [--trace]
 */
import { checkRun } from './harness/properties.ts'
import { buildScenario } from './harness/scenarios.ts'
import type { ScenarioName } from './harness/scenarios.ts'
import { runSimulation } from './harness/world.ts'

const [name, seedText, ...flags] = process.argv.slice(2)
if (name === undefined || seedText === undefined) {
  console.error('usage: replay.ts <scenario> <seed> [--trace]')
  process.exit(2)
}
const config = buildScenario(name as ScenarioName, Number(seedText))
const result = runSimulation(config, { trace: flags.includes('--trace') })
if (flags.includes('--trace')) console.log(result.trace.join('\n'))
console.log(`\n${name} seed ${seedText}: ${config.nodes.length} nodes, ${config.jobs.length} jobs, ${config.faults.length} faults; ended at ${result.endTime.toFixed(0)} ms (settled: ${String(result.settled)})`)
for (const node of result.nodes) {
  console.log(`n${node.index} ${node.peerId.slice(-6)} ${node.status} slots=${node.config.slots} caps=${node.config.capabilities.join('+')} metrics=${JSON.stringify(node.totalMetrics())}`)
}
const violations = checkRun(name as ScenarioName, result)
console.log(violations.length === 0 ? 'all properties hold' : `violations:\n  ${violations.join('\n  ')}`)
process.exitCode = violations.length === 0 ? 0 : 1
