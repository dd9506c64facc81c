#!/usr/bin/env node
/**
 * CPU per tiny step on daemons that keep many finished jobs (issue 11: the coordinator's snapshot
 * grows with the jobs kept). Three daemons with the shipped settings: bursts of `--steps` tiny
 * single-step jobs (one 64×64 frame each, nothing cached) posted at once to daemon A; the CPU of
 * the three daemons and their spawner helpers from the first POST until `--tail` s after the last
 * job ended on A, per step. Twice, on fresh homes: with no job kept, then with `--kept` finished
 * jobs kept by every node (jobs.maxJobs is 2000), written into each home before its daemon starts
 * as the saved coordinator state of the one-value layout (`/artdag/jobs/coordinator`, what every
 * version reads): the same jobs on the three nodes, each completed by A, so no node asks another
 * for them. `--rounds` bursts on each cluster after a warm-up burst; medians reported.
 *
 *   npm run bench:kept [-- --kept 2000] [--steps 24] [--rounds 3] [--tail 1]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Key } from 'interface-datastore'
import { createApiClient } from '../../src/api/client.ts'
import { homePaths } from '../../src/config/home-layout.ts'
import { StepCoordinator } from '../../src/jobs/core/coordinator.ts'
import { readOptionalPeerId } from '../../src/node/home.ts'
import { openStores } from '../../src/node/stores.ts'
import { initHomes, startCluster } from '../../test/e2e/helpers/daemon.ts'
import { log, machineFacts, shippedEnv, waitAllAlive } from './lib/cluster.ts'
import { EventRecorder, jobEnded } from './lib/events.ts'
import { median, spawnerHelpersOf } from './lib/proc.ts'
import { tinyStepRecipe } from './lib/recipes.ts'
import { numberArg, printReport } from './lib/report.ts'
import { cpuOf } from './lib/step-timing.ts'

const kept = numberArg('kept', 2000)
const steps = numberArg('steps', 24)
const rounds = numberArg('rounds', 3)
const tailS = numberArg('tail', 1)

const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-kept-'))
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))
let seed = Math.floor(Math.random() * 1e9)

/** The saved state of a node that kept `count` finished single-step jobs, all completed by `maker`. */
function keptState (maker: string, count: number): Record<string, unknown> {
  const c = new StepCoordinator({ self: maker, slots: 2, capabilities: ['libx264'], rejoinQuietMs: 0 })
  let t = 0
  for (let n = 1; n <= count; n++) {
    const cacheId = `b${n.toString(16).padStart(63, '0')}`
    const jobId = `bagukept${n.toString().padStart(8, '0')}`
    const out = c.onJobReceived({ jobId, submittedAt: Date.now() - 600_000 + n, output: 's0', steps: [{ stepId: 's0', cacheId, type: 'generate', deps: [] }] }, t)
    for (const e of out.effects) if (e.type === 'lookupCache') { for (const id of e.cacheIds) c.onCacheLookupResult(id, undefined, t + 1) }
    c.tick(t + 11)
    c.onExecutionFinished({ jobId, stepId: 's0', cacheId, epoch: 1 }, 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', t + 100)
    t += 1000
  }
  return { ...c.snapshot() }
}

/** Starts three daemons on fresh homes (each keeping `count` jobs), measures `rounds` bursts, stops them. */
async function cluster (name: string, count: number): Promise<{ perStep: number[], idle: number }> {
  const homes = await initHomes(join(dir, name), ['a', 'b', 'c'])
  if (count > 0) {
    const peers = await Promise.all(homes.map(async home => (await readOptionalPeerId(homePaths(home)))!))
    const state = keptState(peers[0]!, count)
    for (const [i, home] of homes.entries()) {
      const stores = await openStores(homePaths(home))
      await stores.datastore.put(new Key('/artdag/jobs/coordinator'), new TextEncoder().encode(JSON.stringify({ ...state, self: peers[i] })))
      await stores.close()
    }
  }
  const daemons = await startCluster(homes, { env: await shippedEnv(dir) })
  try {
    // A daemon busy writing its state may answer a POST late: wait for it (the CPU is what is measured).
    const clients = homes.map(home => createApiClient({ home, timeoutMs: 300_000 }))
    await waitAllAlive(clients, 2)
    const jobs = (await clients[0]!.status()).jobs
    log(`${name}: A keeps ${JSON.stringify(jobs)}`)
    const recorder = await EventRecorder.start(clients, ['job'])
    try {
      const pids = (): number[] => daemons.flatMap(d => [d.process.pid!, ...spawnerHelpersOf(d.process.pid!)])
      const burst = async (tag: string): Promise<number> => {
        const before = await cpuOf(pids())
        const ids = await Promise.all(Array.from({ length: steps }, async (_, i) => (await clients[0]!.submitJob({ recipe: tinyStepRecipe(`${tag}x${i}`, seed++), inputs: {} })).id))
        const ends = await Promise.all(ids.map(async id => await recorder.waitFor(jobEnded(id, 0), `job ${id} to end on A`, 300_000)))
        if (ends.some(e => e.event.type !== 'job.completed')) throw new Error('a burst job did not complete')
        await sleep(tailS * 1000)
        return 1000 * (await cpuOf(pids()) - before) / steps
      }
      await burst('warm')
      // The daemons' CPU at rest, over 5 s, after the warm-up.
      await sleep(2000)
      const idleBefore = await cpuOf(pids())
      await sleep(5000)
      const idle = (await cpuOf(pids()) - idleBefore) / 5
      const perStep: number[] = []
      for (let round = 0; round < rounds; round++) {
        perStep.push(await burst(`r${round}`))
        log(`${name}, round ${round + 1}/${rounds}: ${perStep.at(-1)!.toFixed(1)} ms CPU per step`)
        await sleep(1000)
      }
      return { perStep, idle }
    } finally {
      await recorder.stop()
    }
  } finally {
    await Promise.all(daemons.map(async d => await d.stop()))
  }
}

try {
  const fresh = await cluster('fresh', 0)
  const many = await cluster('kept', kept)
  printReport('CPU per tiny step by jobs kept (three daemons)', [
    { metric: 'cpu_per_step_0_kept', value: median(fresh.perStep), unit: 'ms' },
    { metric: `cpu_per_step_${kept}_kept`, value: median(many.perStep), unit: 'ms', baseline: median(fresh.perStep), ratio: median(many.perStep) / median(fresh.perStep) },
    { metric: 'idle_cpu_0_kept', value: 100 * fresh.idle, unit: '% core' },
    { metric: `idle_cpu_${kept}_kept`, value: 100 * many.idle, unit: '% core' }
  ], { kept, steps, rounds, tailS, perRound: { fresh: fresh.perStep, many: many.perStep }, machine: machineFacts() })
} finally {
  await rm(dir, { recursive: true, force: true })
}
