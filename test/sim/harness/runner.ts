import { findDuplicates, overlaps } from './checks.ts'
import { checkRun, checkTakeover } from './properties.ts'
import { buildScenario } from './scenarios.ts'
import type { ScenarioName } from './scenarios.ts'
import { runSimulation } from './world.ts'
import type { RunResult } from './world.ts'

/** Runs a scenario over many seeds, checking every run and summing what happened. */
export interface ScenarioStats {
  runs: number
  steps: number
  executions: number
  /** Executions aborted because another node held the lease or had the result. */
  abortedDuplicates: number
  /** Executions whose result came after the step's result already existed. */
  redundantRuns: number
  /** Runs with at least one duplicate. */
  runsWithDuplicates: number
  maxDuplicatesInRun: number
  /** Pairs of executions of the same step that ran at the same time. */
  overlaps: number
  claims: number
  conflictsLost: number
  takeovers: number
  abortedExecutions: number
  countedDuplicates: number
  messages: number
  messagesDropped: number
  /** Time spent in wasted executions (aborted duplicates and redundant runs). */
  wastedMs: number
  refutations: number
  takeoversRefuted: number
  lagDeferrals: number
  takeoverDelaysMs: number[]
  /** Runs that could not fetch an input held by no node up (config.content), and the runs of the scenario with any. */
  inputLosses: number
  runsWithInputLosses: number
  /** Results the nodes forgot because every holder was dead (summed over nodes). */
  resultsLost: number
  /** From the moment a step's inputs existed (and a job needed it) to the start of its first execution (steps with inputs, no fault in between). */
  startLatenciesMs: number[]
  simulatedMs: number
}

export interface ScenarioReport {
  name: ScenarioName
  failures: Array<{ seed: number, violations: string[] }>
  stats: ScenarioStats
}

export function runScenario (name: ScenarioName, seeds: Iterable<number>): ScenarioReport {
  const failures: ScenarioReport['failures'] = []
  const stats: ScenarioStats = {
    runs: 0,
    steps: 0,
    executions: 0,
    abortedDuplicates: 0,
    redundantRuns: 0,
    runsWithDuplicates: 0,
    maxDuplicatesInRun: 0,
    overlaps: 0,
    claims: 0,
    conflictsLost: 0,
    takeovers: 0,
    abortedExecutions: 0,
    countedDuplicates: 0,
    messages: 0,
    messagesDropped: 0,
    wastedMs: 0,
    refutations: 0,
    takeoversRefuted: 0,
    lagDeferrals: 0,
    takeoverDelaysMs: [],
    inputLosses: 0,
    runsWithInputLosses: 0,
    resultsLost: 0,
    startLatenciesMs: [],
    simulatedMs: 0
  }
  for (const seed of seeds) {
    let violations: string[]
    try {
      const r = runSimulation(buildScenario(name, seed))
      violations = checkRun(name, r)
      const dups = findDuplicates(r)
      stats.runs += 1
      stats.steps += new Set(r.config.jobs.flatMap(j => j.spec.steps.map(s => s.cacheId))).size
      stats.executions += r.truth.executions.length
      stats.abortedDuplicates += dups.filter(d => d.kind === 'aborted').length
      stats.redundantRuns += dups.filter(d => d.kind === 'redundant').length
      stats.wastedMs += dups.reduce((sum, d) => sum + ((d.rec.end ?? r.endTime) - d.rec.start), 0)
      if (dups.length > 0) stats.runsWithDuplicates += 1
      stats.maxDuplicatesInRun = Math.max(stats.maxDuplicatesInRun, dups.length)
      stats.overlaps += overlaps(r).length
      stats.messages += r.truth.messagesSent
      stats.messagesDropped += r.truth.messagesDropped
      stats.simulatedMs += r.endTime
      stats.inputLosses += r.truth.inputLosses.length
      if (r.truth.inputLosses.length > 0) stats.runsWithInputLosses += 1
      for (const node of r.nodes) {
        const m = node.totalMetrics()
        stats.claims += m.claims
        stats.conflictsLost += m.conflictsLost
        stats.takeovers += m.takeovers
        stats.abortedExecutions += m.abortedExecutions
        stats.countedDuplicates += m.duplicateExecutions
        stats.refutations += m.refutations
        stats.takeoversRefuted += m.takeoversRefuted
        stats.lagDeferrals += m.lagDeferrals
        stats.resultsLost += m.resultsLost
      }
      if (name === 'takeover') stats.takeoverDelaysMs.push(...checkTakeover(r).samples.map(s => s.delayMs))
      stats.startLatenciesMs.push(...startLatencies(r))
    } catch (err) {
      violations = [`threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`]
    }
    if (violations.length > 0) failures.push({ seed, violations })
  }
  return { name, failures, stats }
}

function startLatencies (r: RunResult): number[] {
  const out: number[] = []
  const depsOf = new Map<string, string[]>()
  const submitted = new Map<string, number>()
  for (const { spec, at } of r.config.jobs) {
    for (const step of spec.steps) {
      depsOf.set(step.cacheId, step.deps.map(d => spec.steps.find(s => s.stepId === d)?.cacheId as string))
      submitted.set(step.cacheId, Math.min(at, submitted.get(step.cacheId) ?? Number.POSITIVE_INFINITY))
    }
  }
  for (const [cacheId, execs] of r.truth.byCache) {
    const deps = depsOf.get(cacheId) ?? []
    const first = execs[0]
    if (deps.length === 0 || first === undefined) continue
    // Ready: its inputs exist and a job that needs it was submitted.
    const ready = Math.max(submitted.get(cacheId) ?? 0, ...deps.map(d => r.truth.firstResult.get(d) ?? Number.NaN))
    if (!Number.isFinite(ready) || ready <= 0) continue
    if (r.truth.episodes.some(e => e.start <= first.start && e.end >= ready)) continue
    out.push(first.start - ready)
  }
  return out
}

/** How a failed seed is replayed, printed with every failure. */
export function replayCommand (name: ScenarioName, seed: number): string {
  return `node_modules/.bin/node test/sim/replay.ts ${name} ${seed} --trace`
}

export function describeFailures (report: ScenarioReport, limit = 5): string {
  return report.failures.slice(0, limit).map(f => `seed ${f.seed} (replay: ${replayCommand(report.name, f.seed)}):\n  ${f.violations.slice(0, 6).join('\n  ')}`).join('\n') +
    (report.failures.length > limit ? `\n… and ${report.failures.length - limit} more failing seeds` : '')
}

export function seeds (count: number, first = 1): number[] {
  return Array.from({ length: count }, (_, i) => first + i)
}
