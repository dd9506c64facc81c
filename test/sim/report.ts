/**
 * Runs every scenario over its seeds and prints what happened, as the tables
 * of docs/LEASES.md:
 *   node_modules/.bin/node test/sim/report.ts [scale]
 * (scale multiplies the seed counts of test/sim/harness/budget.ts; default 1).
 */
import { runsFor } from './harness/budget.ts'
import { describeFailures, runScenario, seeds } from './harness/runner.ts'
import { SCENARIOS } from './harness/scenarios.ts'
import type { ScenarioName } from './harness/scenarios.ts'

const args = process.argv.slice(2)
const scale = args.find(a => /^[0-9.]+$/.test(a))
if (scale !== undefined) process.env.SIM_SCALE = scale
const only = args.filter(a => a !== scale) as ScenarioName[]
const names: readonly ScenarioName[] = only.length > 0 ? only : SCENARIOS

function pct (values: number[], p: number): string {
  if (values.length === 0) return '–'
  const sorted = [...values].sort((a, b) => a - b)
  return (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number).toFixed(1)
}

console.log(
  '| scenario | runs | steps | executions | overlapping pairs | aborted dup. | redundant runs | dup. per 100 steps | runs with dup. | max dup./run | wasted exec. time | counted by nodes | conflicts lost | takeovers | refuted | msgs lost | failing seeds |'
)
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
const latencies: Record<string, number[]> = {}
let takeover: number[] = []
let failed = 0
for (const name of names) {
  const started = performance.now()
  const r = runScenario(name, seeds(runsFor(name)))
  const s = r.stats
  const dupPer100 = s.steps === 0 ? 0 : 100 * (s.abortedDuplicates + s.redundantRuns) / s.steps
  const wasted = s.simulatedMs === 0 ? '0' : `${(s.wastedMs / 1000).toFixed(0)} s`
  console.log(
    `| ${name} | ${s.runs} | ${s.steps} | ${s.executions} | ${s.overlaps} | ${s.abortedDuplicates} | ${s.redundantRuns} | ${
      dupPer100.toFixed(2)
    } | ${s.runsWithDuplicates} | ${s.maxDuplicatesInRun} | ${wasted} | ${s.countedDuplicates} | ${s.conflictsLost} | ${s.takeovers} | ${s.takeoversRefuted} | ${s.messagesDropped}/${s.messages} | ${r.failures.length} |`
  )
  if (r.failures.length > 0) {
    failed += r.failures.length
    console.error(describeFailures(r))
  }
  latencies[name] = s.startLatenciesMs
  if (name === 'takeover') takeover = s.takeoverDelaysMs
  console.error(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`)
}
console.log(`\ntakeover after kill -9 (ms): p50 ${pct(takeover, 0.5)}, p99 ${pct(takeover, 0.99)}, max ${pct(takeover, 1)} over ${takeover.length} kills`)
for (const name of ['latency', 'views', 'lossy'] as const) {
  const l = latencies[name] ?? []
  console.log(`${name}: input ready → step started (ms): p50 ${pct(l, 0.5)}, p90 ${pct(l, 0.9)}, p99 ${pct(l, 0.99)} over ${l.length} steps`)
}
process.exitCode = failed > 0 ? 1 : 0
