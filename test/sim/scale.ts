/**
 * The simulator at a large cluster's size, for docs/LEASES.md (issue 7, item 7): 10, 25 and 50
 * nodes at a tailnet's timing, every node running the daemon's own driver, coordinator,
 * round-trip monitor and membership table, with the shipped lease and membership timings.
 * Not a test: a report.
 *
 *   node_modules/.bin/node test/sim/scale.ts [--sizes 10,25,50] [--seeds 10] [--one-way 25] [--jitter 10] [--loss 0] [--confirmations 1]
 *
 * Each run (seed): N nodes of 1 to 3 slots; a job of 50 independent steps that every node
 * may claim at once (submitted on one node, so it travels as between daemons), and two or
 * three random jobs of 2 to 9 steps, some sharing steps; a minute later a chain of four
 * steps, and the node running one of them killed (kill -9, for good); executions of 0.5 to
 * 4 s. Per size:
 *   dup. per 100 steps      wasted executions (aborted for a lost lease or another node's
 *                           result, or finished after the step's result existed) per 100 steps
 *   takeover                kill -9 of the holder → the step started on another node
 *   msgs per step           lease and job messages published (one publish reaches every
 *                           other node) per step, and the copies delivered per step
 *   background per node     heartbeats and pings each node receives per second
 *   waits                   the settle window and rank delay the nodes derived at the end
 *                           (median over nodes)
 *   failing seeds           runs that broke a property of the 'wan' scenario (correctness,
 *                           liveness, duplicates only with a cause and within the bound)
 */
import { LEASE_DEFAULTS } from '../../src/lease/options.ts'
import { DEFAULT_ROUND_TRIP_INTERVAL_MS } from '../../src/jobs/driver/round-trips.ts'
import { MEMBERSHIP_DEFAULTS } from '../../src/membership/core/types.ts'
import { findDuplicates, overlaps } from './harness/checks.ts'
import type { NodeConfig, SimConfig } from './harness/config.ts'
import type { JobSpec } from '../../src/jobs/core/types.ts'
import { checkRun, checkTakeover } from './harness/properties.ts'
import { Prng } from './harness/prng.ts'
import { buildScenario, MAX_ATTEMPTS, MAX_DRIFT, wanNetwork } from './harness/scenarios.ts'
import { makeChainJob, makeJob, makeWideJob } from './harness/workload.ts'
import { World } from './harness/world.ts'

function arg (name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback)
}

const sizes = arg('sizes', '10,25,50').split(',').map(Number)
const seedCount = Number(arg('seeds', '10'))
const oneWayMs = Number(arg('one-way', '25'))
const jitterMs = Number(arg('jitter', '10'))
const loss = Number(arg('loss', '0'))
const confirmations = Number(arg('confirmations', '1'))
if (sizes.some(n => !Number.isInteger(n) || n < 2) || !(seedCount >= 1)) {
  console.error('usage: scale.ts [--sizes 10,25,50] [--seeds 10] [--one-way 25] [--jitter 10] [--loss 0] [--confirmations 1]')
  process.exit(2)
}

/** The fifty contested steps: the job every node may claim every step of at once. */
const WIDE_STEPS = 50

export function scaleConfig (n: number, seed: number): SimConfig {
  const rng = new Prng(seed * 7919 + n)
  const nodes: NodeConfig[] = Array.from({ length: n }, () => ({
    slots: rng.int(1, 3),
    capabilities: ['libx264'],
    clockOffsetMs: rng.range(0, 1e7),
    drift: rng.range(-MAX_DRIFT, MAX_DRIFT)
  }))
  const jobs: SimConfig['jobs'] = []
  // After every node has heard every other one (heartbeats) and measured its round trips.
  const start = 3 * MEMBERSHIP_DEFAULTS.heartbeatIntervalMs + 3000
  jobs.push({ at: start, submitter: rng.int(0, n - 1), spec: makeWideJob(rng, WIDE_STEPS, start) })
  let previous: JobSpec | undefined
  for (let i = rng.int(2, 3); i > 0; i--) {
    const at = rng.range(start, start + 8000)
    const spec = makeJob(rng, { minSteps: 2, maxSteps: 9, gpuShare: 0, shareChance: 0.6 }, Math.round(at), previous)
    jobs.push({ at, submitter: rng.int(0, n - 1), spec })
    previous = spec
  }
  // A chain of steps, one running at a time, late enough that the other jobs are done.
  const late = start + 60_000
  jobs.push({ at: late, submitter: rng.int(0, n - 1), spec: makeChainJob(rng, 4, late) })
  // The scenarios' common settings (a fresh config from their builder), with this run's cluster, timings and work.
  const common = buildScenario('wan-race', seed)
  return {
    ...common,
    nodes,
    coordinator: { ...LEASE_DEFAULTS, maxAttempts: MAX_ATTEMPTS, retryBackoffMs: 500, confirmations },
    network: { ...wanNetwork(oneWayMs, jitterMs), loss },
    membership: {
      mode: 'heartbeat',
      heartbeatMs: MEMBERSHIP_DEFAULTS.heartbeatIntervalMs,
      suspectAfterMs: MEMBERSHIP_DEFAULTS.suspectAfterMs,
      deadAfterMs: MEMBERSHIP_DEFAULTS.deadAfterMs
    },
    pingIntervalMs: DEFAULT_ROUND_TRIP_INTERVAL_MS,
    // Killed once the contested work is over, so the takeover waits for no free slot.
    faults: [{ kind: 'crash', at: late + 1000, node: -1, downForMs: Number.POSITIVE_INFINITY }],
    jobs,
    exec: { ...common.exec, minMs: 500, maxMs: 4000 },
    lookupLatencyMs: [2, 20],
    wireCheck: false,
    maxTimeMs: 900_000
  }
}

interface SizeStats {
  runs: number
  steps: number
  executions: number
  duplicates: number
  overlaps: number
  takeoversMs: number[]
  publishes: number
  protocolCopies: number
  backgroundCopies: number
  simulatedMs: number
  settleMs: number[]
  rankDelayMs: number[]
  failing: Array<{ seed: number, violation: string }>
  wallMs: number
}

const BACKGROUND = new Set(['heartbeat', 'ping'])

function runSize (n: number): SizeStats {
  const s: SizeStats = { runs: 0, steps: 0, executions: 0, duplicates: 0, overlaps: 0, takeoversMs: [], publishes: 0, protocolCopies: 0, backgroundCopies: 0, simulatedMs: 0, settleMs: [], rankDelayMs: [], failing: [], wallMs: 0 }
  const started = performance.now()
  for (let seed = 1; seed <= seedCount; seed++) {
    const world = new World(scaleConfig(n, seed), false)
    // Counts what crosses the simulated network: each publish, and each copy by kind.
    const publish = world.publish.bind(world)
    world.publish = (node, message) => {
      s.publishes += 1
      publish(node, message)
    }
    const send = world.network.send.bind(world.network)
    world.network.send = (from, to, kind, about, deliver) => {
      if (BACKGROUND.has(kind)) s.backgroundCopies += 1
      else s.protocolCopies += 1
      send(from, to, kind, about, deliver)
    }
    const r = world.run()
    const violations = checkRun('wan', r)
    if (violations.length > 0) s.failing.push({ seed, violation: violations[0] as string })
    s.runs += 1
    s.steps += new Set(r.config.jobs.flatMap(j => j.spec.steps.map(step => step.cacheId))).size
    s.executions += r.truth.executions.length
    s.duplicates += findDuplicates(r).length
    s.overlaps += overlaps(r).length
    s.takeoversMs.push(...checkTakeover(r).samples.map(x => x.delayMs))
    s.simulatedMs += r.endTime
    for (const node of r.nodes) {
      if (node.status !== 'up') continue
      const timing = node.coordinator.networkTiming(node.localNow(r.endTime))
      s.settleMs.push(timing.settleMs)
      s.rankDelayMs.push(timing.rankDelayMs)
    }
  }
  s.wallMs = performance.now() - started
  return s
}

function pct (values: number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number
}

console.log(
  `${seedCount} runs per size, ${oneWayMs} ± ${jitterMs} ms one way${
    loss > 0 ? `, ${(100 * loss).toFixed(1)} % loss` : ''
  }, confirmations ${confirmations}; ttl ${LEASE_DEFAULTS.ttlMs} ms, heartbeat ${MEMBERSHIP_DEFAULTS.heartbeatIntervalMs} ms, pings every ${DEFAULT_ROUND_TRIP_INTERVAL_MS} ms\n`
)
console.log(
  '| nodes | runs | steps | executions | dup. per 100 steps | overlapping pairs | takeover p50 / max (kills) | msgs published per step | copies delivered per step | heartbeats + pings received per node per s | settle / rank delay (median) | failing seeds | wall time |'
)
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
let failed = 0
for (const n of sizes) {
  const s = runSize(n)
  failed += s.failing.length
  const seconds = s.simulatedMs / 1000
  console.log(
    `| ${n} | ${s.runs} | ${s.steps} | ${s.executions} | ${(100 * s.duplicates / s.steps).toFixed(2)} | ${s.overlaps} | ${pct(s.takeoversMs, 0.5).toFixed(0)} / ${pct(s.takeoversMs, 1).toFixed(0)} ms (${s.takeoversMs.length}) | ${
      (s.publishes / s.steps).toFixed(1)
    } | ${(s.protocolCopies / s.steps).toFixed(0)} | ${(s.backgroundCopies / seconds / n).toFixed(1)} | ${pct(s.settleMs, 0.5).toFixed(0)} / ${pct(s.rankDelayMs, 0.5).toFixed(0)} ms | ${s.failing.length} | ${
      (s.wallMs / 1000).toFixed(1)
    } s |`
  )
  for (const f of s.failing) console.error(`  ${n} nodes, seed ${f.seed}: ${f.violation.split('\n')[0]}`)
}
process.exitCode = failed > 0 ? 1 : 0
