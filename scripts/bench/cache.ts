#!/usr/bin/env node
/**
 * What the cache saves, on three daemons:
 *
 * 1. A cached resubmit: examples/teaser.yaml (7 steps of real work: three
 *    generated clips, a title, a speed-up, a sequence, an h264 encode), with
 *    every `generate` given a fresh `seed` per repetition so the first run
 *    computes everything. First run: submitted on A (POST /v1/jobs) until A
 *    reports job.completed. Then the same recipe, resubmitted on B (API) and on
 *    C (`artdag submit --wait`, the user's wall time, CLI start-up included),
 *    which must run no ffmpeg at all. Ratio: resubmit / first run.
 * 2. DHT lookups: `getCacheRecord` (what a daemon calls when a job arrives)
 *    on three artdag nodes in this process (the daemons expose no lookup), for
 *    records another node put (hits), and for cache ids nobody has (misses,
 *    which every new step pays before it can be claimed).
 *
 *   npm run bench:cache [-- --runs 3] [--lookups 200]
 *
 * Targets (issue): cached resubmit ≤ 5 % of the first run; lookup p50 ≤ 25 ms.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { parse } from 'yaml'
import { createArtdagNode } from '../../src/node/create-node.ts'
import { initHome } from '../../src/node/home.ts'
import { generateSwarmKey } from '../../src/node/swarm-key.ts'
import { getCacheRecord, putCacheRecord } from '../../src/store/cache-records.ts'
import { eventually } from '../../test/e2e/helpers/daemon.ts'
import { log, machineFacts, shippedEnv, startBenchCluster } from './lib/cluster.ts'
import { EventRecorder, jobEnded } from './lib/events.ts'
import { timestampedFfmpeg } from './lib/ffmpeg-clock.ts'
import { median, percentile } from './lib/proc.ts'
import { numberArg, printReport } from './lib/report.ts'
import type { ArtdagNode } from '../../src/node/create-node.ts'
import type { RecipeDoc } from './lib/recipes.ts'
import type { Row } from './lib/report.ts'

const runs = numberArg('runs', 3)
const lookups = numberArg('lookups', 200)
const TEASER = fileURLToPath(new URL('../../examples/teaser.yaml', import.meta.url))

const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-cache-'))
const cleanups: Array<() => Promise<unknown>> = []

try {
  const teaser = parse(await readFile(TEASER, 'utf8')) as { nodes: Record<string, { type: string, config?: Record<string, unknown> }> }
  const salted = (seed: number): RecipeDoc => {
    const doc = structuredClone(teaser)
    for (const node of Object.values(doc.nodes)) if (node.type === 'generate') node.config = { ...node.config, seed }
    return doc as unknown as RecipeDoc
  }

  // --- 1. cached resubmit -------------------------------------------------------
  const clock = await timestampedFfmpeg(dir)
  const env = await shippedEnv(dir, { ARTDAG_FFMPEG: clock.path })
  log('starting three daemons…')
  const cluster = await startBenchCluster(join(dir, 'daemons'), ['a', 'b', 'c'], env)
  cleanups.push(cluster.stop)
  const recorder = await EventRecorder.start(cluster.clients, ['job', 'step'])
  cleanups.push(async () => {
    await recorder.stop()
  })
  const [a, b] = cluster.clients
  const cDaemon = cluster.daemons[2]!

  const submitAndWait = async (client: typeof a, node: number, recipe: RecipeDoc): Promise<number> => {
    const started = Date.now()
    const job = await client!.submitJob({ recipe, inputs: {} })
    const end = await recorder.waitFor(jobEnded(job.id, node), `job on node ${node} to end`, 300_000)
    if (end.event.type !== 'job.completed') throw new Error(`job ${job.id} ${end.event.type}: ${String(end.event.error)}`)
    return end.receivedAt - started
  }

  const first: number[] = []
  const cachedApi: number[] = []
  const cachedCli: number[] = []
  const cliFloor: number[] = []
  const cliCompleted: number[] = []
  let ffmpegOnResubmit = 0
  const base = Math.floor(Math.random() * 1e9)
  for (let run = 0; run < runs; run++) {
    const recipe = salted(base + run)
    log(`run ${run + 1}/${runs}: first run on A…`)
    first.push(await submitAndWait(a, 0, recipe))
    const before = (await clock.runs()).length
    cachedApi.push(await submitAndWait(b, 1, recipe))
    const file = join(dir, `teaser-${run}.json`)
    await writeFile(file, JSON.stringify(recipe))
    const started = Date.now()
    const result = await cDaemon.cli(['submit', file, '--wait', '--json'])
    cachedCli.push(Date.now() - started)
    if (result.code !== 0) throw new Error(`artdag submit --wait on C exited ${result.code}: ${result.stderr}`)
    const jobId = (JSON.parse(result.stdout) as { id: string }).id
    // Where the CLI's time goes: until C reports the job completed, then the wait for its provenance and the exit.
    cliCompleted.push((await recorder.waitFor(jobEnded(jobId, 2), 'the CLI job to end on C')).receivedAt - started)
    ffmpegOnResubmit += (await clock.runs()).length - before
    // The CLI's own cost: a command that only asks the daemon its status.
    const floorStart = Date.now()
    await cDaemon.cli(['status', '--json'])
    cliFloor.push(Date.now() - floorStart)
    log(`  first ${String(first.at(-1))} ms, resubmitted on B ${String(cachedApi.at(-1))} ms, artdag submit --wait on C ${String(cachedCli.at(-1))} ms (job completed at ${String(cliCompleted.at(-1))} ms)`)
  }
  await recorder.stop()
  await cluster.stop()

  // --- 2. DHT lookups ------------------------------------------------------------
  log('three in-process nodes for DHT lookups…')
  const dht = await lookupLatencies(lookups)

  const f = median(first)
  const rows: Row[] = [
    { metric: 'first_run', value: f, unit: 'ms' },
    { metric: 'resubmit_api', value: median(cachedApi), unit: 'ms', baseline: f, ratio: median(cachedApi) / f, target: '<= 0.05x', pass: median(cachedApi) / f <= 0.05 },
    { metric: 'resubmit_cli', value: median(cachedCli), unit: 'ms', baseline: f, ratio: median(cachedCli) / f, target: '<= 0.05x', pass: median(cachedCli) / f <= 0.05 },
    { metric: 'resubmit_cli_until_completed', value: median(cliCompleted), unit: 'ms', baseline: f, ratio: median(cliCompleted) / f },
    { metric: 'cli_floor_status', value: median(cliFloor), unit: 'ms' },
    { metric: 'ffmpeg_runs_on_resubmit', value: ffmpegOnResubmit, unit: 'runs', target: '0', pass: ffmpegOnResubmit === 0 },
    { metric: 'dht_hit_p50', value: percentile(dht.hits, 50), unit: 'ms', target: '<= 25', pass: percentile(dht.hits, 50) <= 25 },
    { metric: 'dht_hit_p99', value: percentile(dht.hits, 99), unit: 'ms' },
    { metric: 'dht_miss_p50', value: percentile(dht.misses, 50), unit: 'ms' },
    { metric: 'dht_miss_p99', value: percentile(dht.misses, 99), unit: 'ms' },
    { metric: 'local_index_get_p50', value: percentile(dht.local, 50), unit: 'ms' }
  ]
  printReport('cache: cached resubmit of examples/teaser.yaml on another node, and DHT cache lookups (3 nodes)', rows, {
    runs,
    lookups,
    perRun: { first, cachedApi, cachedCli, cliCompleted, cliFloor },
    dhtFound: `${dht.found}/${dht.hits.length}`,
    machine: machineFacts()
  })
} finally {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch(err => {
      log(`cleanup: ${(err as Error).message}`)
    })
  }
  await rm(dir, { recursive: true, force: true })
}

/**
 * Three nodes in this process, A bootstrapping B and C. A puts `count`
 * records; B and C look them up in turn (hits); then `count` cache ids
 * nobody put (misses). A kad-dht get always asks the network, even with the
 * record in its own store (it keeps the best of all answers).
 */
async function lookupLatencies (count: number): Promise<{ hits: number[], misses: number[], local: number[], found: number }> {
  const swarmKey = generateSwarmKey()
  const homes = ['x', 'y', 'z'].map(name => join(dir, `dht-${name}`))
  for (const home of homes) await initHome({ home })
  const first = await createArtdagNode({ home: homes[0]!, swarmKey, listen: ['/ip4/127.0.0.1/tcp/0'] })
  const nodes: ArtdagNode[] = [first]
  cleanups.push(async () => {
    await Promise.all(nodes.map(async n => {
      await n.stop()
    }))
  })
  for (const home of homes.slice(1)) nodes.push(await createArtdagNode({ home, swarmKey, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [first.multiaddrs()[0]!.toString()] }))
  await nodes[1]!.dial(nodes[2]!.multiaddrs()[0]!)
  await eventually(async () => nodes.every(n => n.libp2p.getConnections().length >= 2), { what: 'three nodes connected', timeoutMs: 30_000 })
  const [putter, ...readers] = nodes as [ArtdagNode, ArtdagNode, ArtdagNode]

  const records = await Promise.all(Array.from({ length: count + 10 }, async () => {
    const cid = CID.createV1(raw.code, await sha256.digest(randomBytes(32)))
    return { cacheId: randomBytes(32).toString('hex'), cid: cid.toString(), producer: '', createdAt: Date.now() }
  }))
  // Warm-up (routing tables, streams): ten records until each is visible from both readers.
  for (const record of records.slice(0, 10)) {
    await putCacheRecord(putter.dht, record, putter.privateKey)
    for (const reader of readers) await eventually(async () => (await getCacheRecord(reader.dht, record.cacheId))?.cid === record.cid, { what: 'a warm-up record visible', timeoutMs: 30_000 })
  }
  for (const record of records.slice(10)) await putCacheRecord(putter.dht, record, putter.privateKey)

  const hits: number[] = []
  const misses: number[] = []
  const local: number[] = []
  let found = 0
  for (const [i, record] of records.slice(10).entries()) {
    const reader = readers[i % 2]!
    let started = performance.now()
    const got = await getCacheRecord(reader.dht, record.cacheId)
    hits.push(performance.now() - started)
    if (got?.cid === record.cid) found++
    started = performance.now()
    await getCacheRecord(reader.dht, randomBytes(32).toString('hex'))
    misses.push(performance.now() - started)
    started = performance.now()
    await reader.cacheIndex.get(record.cacheId)
    local.push(performance.now() - started)
  }
  return { hits, misses, local, found }
}
