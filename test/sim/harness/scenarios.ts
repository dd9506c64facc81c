import type { JobSpec } from '../../../src/jobs/core/types.ts'
import type { Fault, NetworkConfig, NodeConfig, SimConfig } from './config.ts'
import { fakeCacheId, fakeJobId } from './ids.ts'
import { Prng } from './prng.ts'
import { makeChainJob, makeJob, makeWideJob } from './workload.ts'

/**
 * The scenarios: each turns a seed into a whole run (cluster, network, faults,
 * jobs). The timings are the protocol defaults unless a scenario says otherwise.
 */
export const SETTLE_MS = 10
/** Every delivery in the "bounded delay" scenarios takes less than this (< settle / 2). */
export const BOUNDED_DELAY_MS = 4.5
export const TTL_MS = 6000
export const RANK_DELAY_MS = 50
export const MAX_ATTEMPTS = 3
export const MAX_DRIFT = 0.002

export type ScenarioName =
  | 'confirmed'
  | 'untrusted-executor'
  | 'ideal'
  | 'views'
  | 'lossy'
  | 'partitions'
  | 'race'
  | 'race-solo'
  | 'takeover'
  | 'failures'
  | 'cancel'
  | 'restart'
  | 'shared'
  | 'latency'
  | 'wan'
  | 'wan-race'
  | 'busy'
  | 'lossy-long'
  | 'asymmetric'
  | 'long-partitions'
  | 'paused-holder'
  | 'stale-restart'
  | 'divergent'
  | 'isolated-failures'
  | 'late-lookup'
  | 'renew-loss'
  | 'lost-claims'
  | 'one-way-link'
  | 'crash-after-claim'
  | 'missed-input'
  | 'missed-outcome'
  | 'cached-output'
  | 'forged-epoch'
  | 'held-step'
  | 'lost-output'

export const SCENARIOS: readonly ScenarioName[] = [
  'confirmed',
  'untrusted-executor',
  'ideal',
  'views',
  'lossy',
  'partitions',
  'race',
  'race-solo',
  'takeover',
  'failures',
  'cancel',
  'restart',
  'shared',
  'latency',
  'wan',
  'wan-race',
  'busy',
  'lossy-long',
  'asymmetric',
  'long-partitions',
  'paused-holder',
  'stale-restart',
  'divergent',
  'isolated-failures',
  'late-lookup',
  'renew-loss',
  'lost-claims',
  'one-way-link',
  'crash-after-claim',
  'missed-input',
  'missed-outcome',
  'cached-output',
  'forged-epoch',
  'held-step',
  'lost-output'
]

/** A tailnet's delays: `oneWayMs` ± `jitterMs`, with a thin tail up to 1.5 × the top. */
export function wanNetwork (oneWayMs: number, jitterMs: number): NetworkConfig {
  const lo = Math.max(0.5, oneWayMs - jitterMs)
  const hi = oneWayMs + jitterMs
  return { minDelayMs: lo, maxDelayMs: hi, tailProb: 0.002, tailMaxMs: hi * 1.5, loss: 0, dup: 0.01, startupUntilMs: 0, startupLoss: 0 }
}

const boundedNetwork: NetworkConfig = {
  minDelayMs: 0.1,
  maxDelayMs: BOUNDED_DELAY_MS,
  tailProb: 0,
  tailMaxMs: BOUNDED_DELAY_MS,
  loss: 0,
  dup: 0.05,
  startupUntilMs: 0,
  startupLoss: 0
}

function nodes (rng: Prng, n: number, opts: { minSlots?: number, maxSlots?: number, gpuNodes?: number } = {}): NodeConfig[] {
  const gpu = new Set(rng.shuffle([...Array(n).keys()]).slice(0, opts.gpuNodes ?? rng.int(1, n)))
  return [...Array(n).keys()].map(i => ({
    slots: rng.int(opts.minSlots ?? 1, opts.maxSlots ?? 3),
    capabilities: gpu.has(i) ? ['libx264', 'gpu'] : ['libx264'],
    clockOffsetMs: rng.range(0, 1e7),
    drift: rng.range(-MAX_DRIFT, MAX_DRIFT)
  }))
}

/** One node per capability list, each with its own clock. */
function nodesWith (rng: Prng, capabilities: string[][], slots: () => number): NodeConfig[] {
  return capabilities.map(caps => ({ slots: slots(), capabilities: caps, clockOffsetMs: rng.range(0, 1e7), drift: rng.range(-MAX_DRIFT, MAX_DRIFT) }))
}

function base (seed: number, rng: Prng, cluster: NodeConfig[]): SimConfig {
  return {
    seed,
    nodes: cluster,
    coordinator: { ttlMs: TTL_MS, rankDelayMs: RANK_DELAY_MS, settleMs: SETTLE_MS, maxAttempts: MAX_ATTEMPTS, retryBackoffMs: 500 },
    network: boundedNetwork,
    membership: { mode: 'oracle', heartbeatMs: 2000, suspectAfterMs: 6000, deadAfterMs: 15_000 },
    pingIntervalMs: 5000,
    faults: [],
    jobs: [],
    cancels: [],
    exec: { minMs: 50, maxMs: 1500, alwaysFail: new Set(), failOn: new Map(), divergentOn: new Set() },
    precached: new Set(),
    preindexed: [],
    lookupLoss: 0,
    lookupLatencyMs: [2, 20],
    submitEverywhere: false,
    persistDebounceMs: 0,
    wireCheck: seed % 8 === 0,
    maxTimeMs: 600_000
  }
}

function randomJobs (rng: Prng, cluster: NodeConfig[], count: number, window: [number, number]): SimConfig['jobs'] {
  const jobs: SimConfig['jobs'] = []
  let previous: JobSpec | undefined
  for (let i = 0; i < count; i++) {
    const at = rng.range(window[0], window[1])
    const spec = makeJob(rng, { minSteps: 2, maxSteps: 9, gpuShare: 0.15, shareChance: 0.6 }, Math.round(at), previous)
    jobs.push({ at, submitter: rng.int(0, cluster.length - 1), spec })
    previous = spec
  }
  return jobs
}

/** Crashes one at a time (never two nodes down at once), each restarting after `down`. */
function crashes (rng: Prng, n: number, count: number, window: [number, number], down: [number, number]): Fault[] {
  const faults: Fault[] = []
  let t = window[0]
  for (let i = 0; i < count; i++) {
    t += rng.range(0, (window[1] - window[0]) / Math.max(1, count))
    const downForMs = rng.range(down[0], down[1])
    faults.push({ kind: 'crash', at: t, node: rng.int(0, n - 1), downForMs })
    t += downForMs + 100
  }
  return faults
}

function sprinkleFailures (rng: Prng, config: SimConfig): void {
  const steps = config.jobs.flatMap(j => j.spec.steps)
  if (steps.length === 0) return
  if (rng.chance(0.15)) config.exec.alwaysFail.add(rng.pick(steps).cacheId)
  if (rng.chance(0.3)) {
    // Fails on one node only: a retry elsewhere succeeds.
    const step = rng.pick(steps)
    config.exec.failOn.set(step.cacheId, new Set([rng.int(0, config.nodes.length - 1)]))
  }
  for (const s of steps) if (rng.chance(0.08) && !config.exec.alwaysFail.has(s.cacheId)) config.precached.add(s.cacheId)
}

export function buildScenario (name: ScenarioName, seed: number): SimConfig {
  const rng = new Prng(seed * 7919 + name.length)
  switch (name) {
    case 'ideal':
    case 'views': {
      // Bounded delays, no loss, crashes with restarts; views agree (oracle) or not (heartbeats).
      const cluster = nodes(rng, rng.int(2, 5))
      const c = base(seed, rng, cluster)
      c.membership.mode = name === 'ideal' ? 'oracle' : 'heartbeat'
      c.jobs = randomJobs(rng, cluster, rng.int(1, 3), [0, 6000])
      c.faults = crashes(rng, cluster.length, rng.int(0, 2), [500, 15_000], [500, 12_000])
      if (rng.chance(0.15) && c.jobs.length > 0) c.cancels.push({ at: rng.range(500, 8000), node: rng.int(0, cluster.length - 1), jobId: rng.pick(c.jobs).spec.jobId })
      sprinkleFailures(rng, c)
      return c
    }
    case 'lossy': {
      // Loss, duplication, long tails, lossy start, lost lookups, stale snapshots, crashes.
      const cluster = nodes(rng, rng.int(2, 5))
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.network = {
        minDelayMs: 0.1,
        maxDelayMs: 4,
        tailProb: rng.range(0, 0.08),
        tailMaxMs: rng.range(20, 150),
        loss: rng.range(0.01, 0.2),
        dup: rng.range(0, 0.1),
        startupUntilMs: 300,
        startupLoss: 0.5
      }
      c.lookupLoss = 0.05
      c.persistDebounceMs = rng.pick([0, 50, 500])
      c.jobs = randomJobs(rng, cluster, rng.int(1, 3), [0, 6000])
      c.faults = crashes(rng, cluster.length, rng.int(0, 2), [500, 15_000], [500, 12_000])
      if (rng.chance(0.15) && c.jobs.length > 0) c.cancels.push({ at: rng.range(500, 8000), node: rng.int(0, cluster.length - 1), jobId: rng.pick(c.jobs).spec.jobId })
      sprinkleFailures(rng, c)
      return c
    }
    case 'partitions': {
      // Bounded delays and no loss, but partitions that heal and paused processes.
      const cluster = nodes(rng, rng.int(3, 5))
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.exec.maxMs = 4000
      c.jobs = randomJobs(rng, cluster, rng.int(1, 3), [0, 8000])
      let t = rng.range(2000, 6000)
      for (let i = rng.int(1, 2); i > 0; i--) {
        const shuffled = rng.shuffle([...cluster.keys()])
        const cut = rng.int(1, cluster.length - 1)
        const forMs = rng.range(500, 20_000)
        c.faults.push({ kind: 'partition', at: t, groups: [shuffled.slice(0, cut), shuffled.slice(cut)], forMs })
        t += forMs + rng.range(500, 5000)
      }
      for (let i = rng.int(0, 2); i > 0; i--) c.faults.push({ kind: 'pause', at: rng.range(2000, 25_000), node: rng.int(0, cluster.length - 1), forMs: rng.range(500, 15_000) })
      for (const s of c.jobs.flatMap(j => j.spec.steps)) if (rng.chance(0.05)) c.precached.add(s.cacheId)
      return c
    }
    case 'race':
    case 'race-solo': {
      // Fifty steps become runnable at the same instant on every node.
      const cluster = nodes(rng, rng.int(2, 3), { minSlots: 60, maxSlots: 60, gpuNodes: 3 })
      const c = base(seed, rng, cluster)
      c.membership.mode = name === 'race' ? 'oracle' : 'solo'
      c.submitEverywhere = true
      c.lookupLatencyMs = [5, 5]
      c.jobs = [{ at: 3000, submitter: 0, spec: makeWideJob(rng, 50, 3000) }]
      return c
    }
    case 'takeover': {
      // A node is killed while it runs a step; the others take over after the ttl.
      const cluster = nodes(rng, rng.int(2, 4), { minSlots: 2, maxSlots: 2, gpuNodes: 4 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.exec = { ...c.exec, minMs: 3000, maxMs: 9000 }
      c.jobs = [{ at: 3000, submitter: 0, spec: makeChainJob(rng, rng.int(2, 4), 3000) }]
      c.faults = [{ kind: 'crash', at: rng.range(3100, 12_000), node: -1, downForMs: rng.chance(0.5) ? Number.POSITIVE_INFINITY : rng.range(20_000, 40_000) }]
      return c
    }
    case 'failures': {
      // One job has a step that always fails, another job must still complete.
      const cluster = nodes(rng, rng.int(3, 5), { gpuNodes: 5 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      const doomed = makeJob(rng, { minSteps: 2, maxSteps: 8, gpuShare: 0, shareChance: 0 }, 2600)
      const healthy = makeJob(rng, { minSteps: 2, maxSteps: 8, gpuShare: 0, shareChance: 0 }, 2700)
      c.jobs = [{ at: rng.range(2600, 4000), submitter: rng.int(0, cluster.length - 1), spec: doomed }, { at: rng.range(2600, 4000), submitter: rng.int(0, cluster.length - 1), spec: healthy }]
      c.exec.alwaysFail.add(rng.pick(doomed.steps).cacheId)
      // And a step of the other job fails on one node only: retried elsewhere, it succeeds.
      c.exec.failOn.set(rng.pick(healthy.steps).cacheId, new Set([rng.int(0, cluster.length - 1)]))
      return c
    }
    case 'cancel': {
      // Two jobs share steps; one is cancelled mid-run from a random node.
      const cluster = nodes(rng, rng.int(2, 4), { gpuNodes: 4 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.exec.maxMs = 3000
      const first = makeJob(rng, { minSteps: 3, maxSteps: 9, gpuShare: 0, shareChance: 0 }, 2600)
      const second = makeJob(rng, { minSteps: 2, maxSteps: 6, gpuShare: 0, shareChance: 1 }, 2700, first)
      c.jobs = [{ at: 2600, submitter: rng.int(0, cluster.length - 1), spec: first }, { at: 2700, submitter: rng.int(0, cluster.length - 1), spec: second }]
      c.cancels = [{ at: rng.range(2700, 7000), node: rng.int(0, cluster.length - 1), jobId: first.jobId }]
      return c
    }
    case 'restart': {
      // Nodes crash mid-job and restart from their snapshot (written at once).
      const cluster = nodes(rng, rng.int(2, 4), { gpuNodes: 4 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.exec.maxMs = 3000
      c.jobs = randomJobs(rng, cluster, rng.int(1, 2), [2600, 5000])
      c.faults = crashes(rng, cluster.length, rng.int(1, 3), [3000, 12_000], [200, 8000])
      if (rng.chance(0.5)) c.faults.push({ kind: 'crash', at: rng.range(3000, 9000), node: -1, downForMs: rng.range(200, 3000) })
      return c
    }
    case 'shared': {
      // Jobs sharing steps, no faults: every cache id runs exactly once.
      const cluster = nodes(rng, rng.int(2, 4), { gpuNodes: 4 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      const first = makeJob(rng, { minSteps: 3, maxSteps: 9, gpuShare: 0, shareChance: 0 }, 2600)
      const second = makeJob(rng, { minSteps: 1, maxSteps: 5, gpuShare: 0, shareChance: 1 }, 2600, first)
      const third = makeJob(rng, { minSteps: 1, maxSteps: 5, gpuShare: 0, shareChance: 1 }, 2600, second)
      c.jobs = [first, second, third].map(spec => ({ at: rng.range(2600, 3500), submitter: rng.int(0, cluster.length - 1), spec }))
      return c
    }
    case 'latency': {
      // Three nodes with spare slots on a LAN-like network, no faults: how long a runnable step waits.
      const cluster = nodes(rng, 3, { minSlots: 8, maxSlots: 8, gpuNodes: 3 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.network = { ...c.network, minDelayMs: 0.2, maxDelayMs: 3 }
      c.jobs = randomJobs(rng, cluster, rng.int(1, 3), [2600, 6000])
      return c
    }
    case 'wan': {
      // A tailnet: one-way delays from 1 to 150 ms with jitter, 2 to 12 nodes, crashes, failures, a little loss.
      const cluster = nodes(rng, rng.chance(0.2) ? rng.int(6, 12) : rng.int(2, 5))
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      const oneWay = rng.pick([1, 5, 10, 25, 50, 100, 150])
      c.network = { ...wanNetwork(oneWay, oneWay * rng.range(0.1, 0.4)), loss: rng.chance(0.3) ? rng.range(0, 0.03) : 0 }
      c.exec.maxMs = 4000
      c.jobs = randomJobs(rng, cluster, rng.int(1, 3), [3000, 10_000])
      c.faults = crashes(rng, cluster.length, rng.int(0, 2), [4000, 20_000], [500, 12_000])
      sprinkleFailures(rng, c)
      c.maxTimeMs = 900_000
      return c
    }
    case 'wan-race': {
      // Fifty contested steps at a tailnet's timing (25 ± 10 ms one way): each should run once. The
      // job travels from its submitter as it does between daemons, so the nodes see the steps turn
      // runnable a one-way delay apart, and their rank delays start apart.
      const cluster = nodes(rng, 3, { minSlots: 60, maxSlots: 60, gpuNodes: 3 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.network = wanNetwork(25, 10)
      c.lookupLatencyMs = [5, 5]
      c.jobs = [{ at: 12_000, submitter: 0, spec: makeWideJob(rng, 50, 12_000) }]
      return c
    }
    case 'busy': {
      // A loaded machine: event loops stall for tens to hundreds of ms, often; contested steps.
      const cluster = nodes(rng, rng.int(2, 3), { minSlots: 60, maxSlots: 60, gpuNodes: 3 })
      const c = base(seed, rng, cluster)
      c.membership.mode = rng.chance(0.5) ? 'oracle' : 'heartbeat'
      c.submitEverywhere = rng.chance(0.5)
      c.jobs = rng.chance(0.5)
        ? [{ at: 3000, submitter: 0, spec: makeWideJob(rng, 50, 3000) }]
        : randomJobs(rng, cluster, rng.int(1, 3), [3000, 6000])
      for (let t = 2500; t < 9000; t += rng.range(50, 600)) c.faults.push({ kind: 'busy', at: t, node: rng.int(0, cluster.length - 1), forMs: rng.range(5, 400) })
      return c
    }
    case 'lossy-long': {
      // 35 % loss, 8 nodes, 10-minute steps: takeovers of live holders must not starve the jobs.
      const cluster = nodes(rng, 8, { minSlots: 1, maxSlots: 2, gpuNodes: 8 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.network = { ...boundedNetwork, loss: 0.35, dup: 0 }
      c.exec = { ...c.exec, minMs: 9 * 60_000, maxMs: 11 * 60_000 }
      c.jobs = [0, 1].map(i => ({ at: 3000 + i, submitter: i, spec: makeChainJob(rng, rng.int(2, 3), 3000 + i) }))
      c.maxTimeMs = 4 * 3600_000
      return c
    }
    case 'asymmetric': {
      // One node can send but not receive for 30 s (or receive but not send), while steps run everywhere.
      const cluster = nodes(rng, rng.int(3, 5), { minSlots: 2, maxSlots: 3, gpuNodes: 5 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.exec = { ...c.exec, minMs: 5000, maxMs: 40_000 }
      c.jobs = randomJobs(rng, cluster, rng.int(2, 3), [3000, 5000])
      const victim = rng.int(0, cluster.length - 1)
      const others = [...cluster.keys()].filter(i => i !== victim)
      const deaf = rng.chance(0.6)
      // oneWay cuts what leaves the first group: the others' messages to a deaf node, a mute node's to the others.
      c.faults = [{ kind: 'partition', at: rng.range(6000, 15_000), groups: deaf ? [others, [victim]] : [[victim], others], forMs: 30_000, oneWay: true }]
      c.maxTimeMs = 900_000
      return c
    }
    case 'long-partitions': {
      // Partitions of up to 15 minutes while steps of up to 30 minutes run.
      const cluster = nodes(rng, rng.int(3, 5), { gpuNodes: 5 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.exec = { ...c.exec, minMs: 30_000, maxMs: rng.chance(0.5) ? 30 * 60_000 : 5 * 60_000 }
      c.jobs = randomJobs(rng, cluster, rng.int(1, 2), [3000, 60_000])
      const shuffled = rng.shuffle([...cluster.keys()])
      const cut = rng.int(1, cluster.length - 1)
      c.faults = [{ kind: 'partition', at: rng.range(20_000, 120_000), groups: [shuffled.slice(0, cut), shuffled.slice(cut)], forMs: rng.range(60_000, 15 * 60_000) }]
      sprinkleFailures(rng, c)
      c.maxTimeMs = 6 * 3600_000
      return c
    }
    case 'paused-holder': {
      // A node running a step is paused past the ttl (a laptop lid, a long GC), then resumes and publishes.
      const cluster = nodes(rng, rng.int(2, 4), { minSlots: 2, maxSlots: 2, gpuNodes: 4 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.exec = { ...c.exec, minMs: 8000, maxMs: 30_000 }
      c.jobs = [{ at: 3000, submitter: 0, spec: makeChainJob(rng, rng.int(2, 3), 3000) }]
      const victim = rng.int(0, cluster.length - 1)
      c.faults = [{ kind: 'pause', at: rng.range(4000, 12_000), node: victim, forMs: rng.range(TTL_MS + 1000, 40_000) }]
      return c
    }
    case 'stale-restart': {
      // Nodes crash and restart from an older snapshot than their last (lost writes, a restored backup).
      const cluster = nodes(rng, rng.int(2, 4), { gpuNodes: 4 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.exec.maxMs = 3000
      c.persistDebounceMs = rng.pick([0, 200])
      c.jobs = randomJobs(rng, cluster, rng.int(1, 2), [2600, 5000])
      c.faults = crashes(rng, cluster.length, rng.int(1, 3), [3000, 12_000], [200, 8000]).map(f => ({ ...f, stale: rng.chance(0.7) }))
      return c
    }
    case 'confirmed': {
      // trust.confirmations 2: every result is confirmed by a second member, with loss and crashes.
      const cluster = nodes(rng, rng.int(2, 5), { gpuNodes: 5 })
      const c = base(seed, rng, cluster)
      c.coordinator = { ...c.coordinator, confirmations: 2 }
      c.membership.mode = 'heartbeat'
      c.jobs = randomJobs(rng, cluster, rng.int(1, 3), [2600, 6000])
      c.network = { ...c.network, loss: rng.chance(0.5) ? rng.range(0.01, 0.1) : 0 }
      c.faults = crashes(rng, cluster.length, rng.int(0, 2), [3000, 12_000], [500, 8000])
      sprinkleFailures(rng, c)
      return c
    }
    case 'untrusted-executor': {
      // One member of three to five returns other bytes for everything it runs (a broken or hostile
      // node): with confirmations 2, no job's output is bytes only that member produced.
      const cluster = nodes(rng, rng.int(3, 5), { gpuNodes: 5 })
      const c = base(seed, rng, cluster)
      c.coordinator = { ...c.coordinator, confirmations: 2 }
      c.membership.mode = 'heartbeat'
      c.exec.divergentOn.add(rng.int(0, cluster.length - 1))
      c.jobs = randomJobs(rng, cluster, rng.int(1, 3), [2600, 6000])
      return c
    }
    case 'divergent': {
      // One node's executor gives other bytes (another ffmpeg build): every node must keep the same result.
      const cluster = nodes(rng, rng.int(2, 4), { gpuNodes: 4 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.exec.divergentOn.add(rng.int(0, cluster.length - 1))
      c.jobs = randomJobs(rng, cluster, rng.int(2, 3), [2600, 6000])
      // Loss and crashes make the same step run on two nodes now and then: the disagreement shows.
      c.network = { ...c.network, loss: rng.range(0.05, 0.2), tailProb: 0.05, tailMaxMs: 100 }
      c.faults = crashes(rng, cluster.length, rng.int(0, 2), [3000, 12_000], [500, 8000])
      return c
    }
    case 'isolated-failures': {
      // Counterexample: the others run a step for minutes while one node, cut off from them, fails it
      // maxAttempts times alone (each failing attempt takes seconds). At the heal nothing aborts, and
      // all end COMPLETED.
      const cluster = nodes(rng, 3, { minSlots: 2, maxSlots: 2, gpuNodes: 3 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.exec = { ...c.exec, minMs: 150_000, maxMs: 300_000, failFactor: 0.05 }
      const job = makeChainJob(rng, 1, 3000)
      const isolated = rng.int(0, 2)
      const others = [0, 1, 2].filter(i => i !== isolated)
      c.jobs = [{ at: 3000, submitter: isolated, spec: job }]
      c.exec.failOn.set((job.steps[0] as { cacheId: string }).cacheId, new Set([isolated]))
      // The job reaches everyone first; the partition starts once one of the others runs the step.
      c.faults = [{ kind: 'partition', at: 4000, groups: [[isolated], others], forMs: rng.chance(0.7) ? rng.range(80_000, 120_000) : 700_000, whenRunning: others }]
      c.maxTimeMs = 3600_000
      return c
    }
    case 'late-lookup': {
      // Counterexample: two nodes, only n0 can run the output step. While n0 is down, n1 fails the
      // other step maxAttempts times. The output is in the DHT all along: when n0 comes back, the job
      // must not fail before its lookups answer, and ends COMPLETED everywhere.
      const cluster: NodeConfig[] = [0, 1].map(i => ({ slots: 2, capabilities: i === 0 ? ['libx264', 'gpu'] : ['libx264'], clockOffsetMs: rng.range(0, 1e7), drift: 0 }))
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.lookupLatencyMs = [200, 900]
      const spec = makeChainJob(rng, 2, 3000)
      const [first, output] = spec.steps as [JobSpec['steps'][number], JobSpec['steps'][number]]
      const job: JobSpec = { ...spec, steps: [first, { ...output, requires: ['gpu'] }] }
      c.jobs = [{ at: 3000, submitter: 1, spec: job }]
      c.exec.alwaysFail.add(first.cacheId)
      // n0 made the output in an earlier life: its own index has it, the DHT lost the record.
      c.preindexed.push({ node: 0, cacheId: output.cacheId })
      c.faults = [{ kind: 'crash', at: 2500, node: 0, downForMs: rng.range(15_000, 40_000) }]
      return c
    }
    case 'renew-loss': {
      // Every lease_renew is lost for a minute while steps run longer than the ttl; the heartbeats,
      // which list each node's leases, arrive.
      const cluster = nodes(rng, rng.int(2, 4), { gpuNodes: 4 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.exec = { ...c.exec, minMs: 2000, maxMs: 15_000 }
      c.jobs = randomJobs(rng, cluster, rng.int(1, 2), [2600, 5000])
      c.faults = [{ kind: 'drop', at: 0, forMs: 60_000, types: ['lease_renew'] }]
      return c
    }
    case 'lost-claims': {
      // Two nodes; one node's claims never reach the other, everything else arrives within settle / 2.
      const cluster = nodes(rng, 2, { gpuNodes: 2 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'oracle'
      c.exec = { ...c.exec, minMs: 500, maxMs: 4000 }
      c.jobs = randomJobs(rng, cluster, rng.int(1, 3), [2600, 6000])
      const from = rng.int(0, 1)
      c.faults = [{ kind: 'drop', at: 0, forMs: 60_000, types: ['lease_claim'], from: [from], to: [1 - from] }]
      return c
    }
    case 'one-way-link': {
      // One directed link is cut for 10–30 s: nothing P sends reaches C (claims, renewals,
      // heartbeats, results), while C reaches P and both reach the others.
      const cluster = nodes(rng, rng.int(3, 4), { minSlots: 2, maxSlots: 3, gpuNodes: 4 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.exec = { ...c.exec, minMs: 3000, maxMs: 15_000 }
      c.jobs = randomJobs(rng, cluster, rng.int(1, 3), [2600, 6000])
      const [p, victim] = rng.shuffle([...cluster.keys()]) as [number, number]
      c.faults = [{ kind: 'drop', at: rng.range(2000, 6000), forMs: rng.range(10_000, 30_000), from: [p], to: [victim] }]
      return c
    }
    case 'crash-after-claim': {
      // A node is killed while it publishes a claim: the claim never leaves, but its snapshot holds
      // it. Another node claims the step meanwhile; the restarted node releases its old claim.
      const cluster = nodes(rng, rng.int(2, 3), { minSlots: 1, maxSlots: 2, gpuNodes: 3 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.exec = { ...c.exec, minMs: 4000, maxMs: 15_000 }
      c.jobs = randomJobs(rng, cluster, rng.int(1, 2), [2600, 4000])
      c.faults = [{ kind: 'crash', at: 1000, node: rng.int(0, cluster.length - 1), downForMs: rng.range(200, 3000), afterClaim: true }]
      return c
    }
    case 'missed-input': {
      // Two nodes with different encoders run a chain in turns; results are lost for a few seconds,
      // so the only node able to run the next step may never hear that its input exists.
      const cluster = nodesWith(rng, [['enc-a'], ['enc-b']], () => rng.int(1, 2))
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      const chain = makeChainJob(rng, rng.int(2, 5), 3000)
      const turn = rng.int(0, 1)
      c.jobs = [{ at: 3000, submitter: rng.int(0, 1), spec: { ...chain, steps: chain.steps.map((step, i) => ({ ...step, requires: [(i + turn) % 2 === 0 ? 'enc-a' : 'enc-b'] })) } }]
      c.faults = [{ kind: 'drop', at: 3000, forMs: rng.range(3000, 10_000), types: ['step_completed'] }]
      c.maxTimeMs = 120_000
      return c
    }
    case 'missed-outcome': {
      // n0 alone can run the output step and finds it in its own index (the DHT lost the record); n1
      // alone can run the other step, which always fails. n1 misses n0's result for several seconds
      // and fails the job meanwhile: it must learn, however late, that the job completed.
      const cluster = nodesWith(rng, [['libx264', 'gpu'], ['libx264', 'cpu-x']], () => 2)
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      const chain = makeChainJob(rng, 2, 3000)
      const [first, output] = chain.steps as [JobSpec['steps'][number], JobSpec['steps'][number]]
      c.jobs = [{ at: 3000, submitter: rng.int(0, 1), spec: { ...chain, steps: [{ ...first, requires: ['cpu-x'] }, { ...output, requires: ['gpu'] }] } }]
      c.exec.alwaysFail.add(first.cacheId)
      c.preindexed.push({ node: 0, cacheId: output.cacheId })
      c.faults = [{ kind: 'drop', at: 0, forMs: 3000 + rng.range(8000, 15_000), types: ['step_completed'], to: [1] }]
      c.maxTimeMs = 120_000
      return c
    }
    case 'cached-output': {
      // A step fails for good in one job; a later job needs it too, but that job's output is in the
      // DHT already: the later job completes, and is never reported failed on the way.
      const cluster = nodes(rng, 3, { gpuNodes: 3 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      const doomed = makeChainJob(rng, 2, 2600)
      const shared = doomed.steps[0] as JobSpec['steps'][number]
      const laterAt = rng.range(15_000, 25_000)
      const later: JobSpec = {
        jobId: fakeJobId(rng),
        steps: [{ ...shared, stepId: 'in' }, { stepId: 'out', cacheId: fakeCacheId(rng), type: 'encode', deps: ['in'] }],
        output: 'out',
        submittedAt: Math.round(laterAt)
      }
      c.jobs = [{ at: 2600, submitter: rng.int(0, 2), spec: doomed }, { at: laterAt, submitter: rng.int(0, 2), spec: later }]
      c.exec.alwaysFail.add(shared.cacheId)
      c.precached.add((later.steps[1] as JobSpec['steps'][number]).cacheId)
      return c
    }
    case 'forged-epoch': {
      // A member claims every step of a job at epoch Number.MAX_SAFE_INTEGER, a claim it never made
      // (a bug, or an attack): the steps must stay claimable, each run once.
      const cluster = nodes(rng, rng.int(2, 4), { gpuNodes: 4 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.jobs = randomJobs(rng, cluster, 1, [2600, 3000])
      const forger = rng.int(0, cluster.length - 1)
      for (const step of c.jobs.flatMap(j => j.spec.steps)) c.faults.push({ kind: 'forge', at: rng.range(2600, 6000), node: forger, cacheId: step.cacheId, epoch: Number.MAX_SAFE_INTEGER })
      // Every message goes through its wire codec, as between daemons.
      c.wireCheck = true
      return c
    }
    case 'held-step': {
      // A member claims every step of a job at a plausible epoch and renews the claims for as long
      // as the run lasts, running none of them (stuck, or hostile): once lease.maxHoldMs has passed,
      // the others take the steps over, and the job completes long before the renewals stop.
      const cluster = nodes(rng, rng.int(3, 5), { gpuNodes: 5 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      c.coordinator = { ...c.coordinator, maxHoldMs: HELD_STEP_MAX_HOLD_MS }
      const holder = rng.int(0, cluster.length - 1)
      // It runs nothing itself: every run is another node's.
      c.nodes[holder] = { ...(c.nodes[holder] as NodeConfig), slots: 0 }
      c.jobs = randomJobs(rng, cluster, rng.int(1, 2), [2600, 3000])
      for (const step of c.jobs.flatMap(j => j.spec.steps)) {
        c.faults.push({ kind: 'hold', at: rng.range(2000, 2600), node: holder, cacheId: step.cacheId, epoch: rng.int(1, 3), everyMs: 2000, forMs: c.maxTimeMs })
      }
      c.wireCheck = true
      return c
    }
    case 'lost-output': {
      // Outputs are on the nodes that made them (config.content). A node is killed right after it
      // publishes a result, before anyone fetched its output (kill -9 in the moment before a copy
      // is made): the step that reads it cannot run. The nodes forget that result, make it again,
      // and the job completes; the reader's failed runs count as no attempt. The killed node stays
      // down or comes back with its disk; messages are lost now and then, and one node may miss
      // the readers' reports for a while (it keeps the result, and re-sends it).
      const cluster = nodes(rng, rng.int(3, 5), { minSlots: 1, maxSlots: 2, gpuNodes: 5 })
      const c = base(seed, rng, cluster)
      c.membership.mode = 'heartbeat'
      // As in the daemon: a read runs out of time (30 s) after its holder is dead in the view (20 s).
      c.content = { fetchTimeoutMs: rng.range(c.membership.deadAfterMs + 3 * c.membership.heartbeatMs, 30_000) }
      c.exec = { ...c.exec, minMs: 300, maxMs: 3000 }
      c.jobs = rng.chance(0.5)
        ? [{ at: 3000, submitter: rng.int(0, cluster.length - 1), spec: makeChainJob(rng, rng.int(3, 5), 3000) }]
        : randomJobs(rng, cluster, rng.int(1, 2), [3000, 5000])
      c.network = { ...c.network, loss: rng.chance(0.3) ? rng.range(0.01, 0.05) : 0 }
      for (let i = rng.int(1, 2); i > 0; i--) {
        c.faults.push({ kind: 'crash', at: rng.range(3100, 9000), node: -1, downForMs: rng.chance(0.6) ? Number.POSITIVE_INFINITY : rng.range(30_000, 90_000), afterResult: true })
      }
      // A node that misses the readers' reports keeps the lost result, and re-sends it.
      if (rng.chance(0.5)) c.faults.push({ kind: 'drop', at: 3000, forMs: rng.range(20_000, 90_000), types: ['step_failed'], to: [rng.int(0, cluster.length - 1)] })
      c.maxTimeMs = 900_000
      return c
    }
  }
}

/** lease.maxHoldMs in the held-step scenario: far below the run's length, far above any step's. */
export const HELD_STEP_MAX_HOLD_MS = 30_000

export { makeChainJob, makeWideJob }
