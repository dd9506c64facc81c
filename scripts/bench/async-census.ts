#!/usr/bin/env node
/**
 * The long tail of a tiny step: how many abort signals, timers, listeners and promises each
 * daemon creates per single-step job, and where. Three daemons as bench:coordination starts
 * them (the shipped timings), with lib/async-census-preload.mjs loaded; three warm-up jobs,
 * then --bursts bursts of --jobs concurrent single-step jobs (bench:coordination's tiny
 * step), each followed by --tail-ms for the work a job leaves behind (pins, DHT puts). The
 * counts are the difference of the daemons' snapshots around each burst, per job.
 *
 *   npm run bench:async-census [-- --jobs 20] [--bursts 2] [--confirmations 1] [--top 40] [--no-census] [--deopts]
 *
 * --deopts: V8's deoptimisations during the bursts (`--trace-deopt`, from the first snapshot on),
 * by function and reason, per daemon: a function deoptimised again and again is a hot deopt loop.
 *
 * With --no-census the preload stays out and the bench reports the daemons' CPU per job of
 * each burst only (their spawner helpers included), for a quick comparison; `--env
 * NODE_OPTIONS=--cpu-prof --env …` as everywhere else.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { flagArg, log, machineFacts, shippedEnv, startBenchCluster } from './lib/cluster.ts'
import { EventRecorder, jobEnded } from './lib/events.ts'
import { timestampedFfmpeg } from './lib/ffmpeg-clock.ts'
import { spawnerHelpersOf } from './lib/proc.ts'
import { tinyStepRecipe } from './lib/recipes.ts'
import { numberArg } from './lib/report.ts'
import { cpuOf } from './lib/step-timing.ts'

interface Snapshot {
  pid: number
  totals: Record<string, number>
  counts: Record<string, number>
}

const jobs = numberArg('jobs', 20)
const bursts = numberArg('bursts', 2)
const confirmations = numberArg('confirmations', 1)
const tailMs = numberArg('tail-ms', 3000)
const top = numberArg('top', 40)
const census = !flagArg('no-census')
const deopts = flagArg('deopts')
const preload = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'async-census-preload.mjs')

const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-async-census-'))
const snapshots = join(dir, 'census')
let seed = Math.floor(Math.random() * 1e9)
const cleanups: Array<() => Promise<unknown>> = []
try {
  const clock = await timestampedFfmpeg(dir)
  const env = await shippedEnv(dir, {
    ARTDAG_FFMPEG: clock.path,
    ARTDAG_EXEC__SLOTS: '2',
    ARTDAG_TRUST__CONFIRMATIONS: String(confirmations),
    ...(deopts ? { ASYNC_CENSUS_TRACE_DEOPT: '1' } : {}),
    ...(census ? { ASYNC_CENSUS_DIR: snapshots, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${preload}`.trim() } : {})
  })
  if (census) await import('node:fs/promises').then(async fs => await fs.mkdir(snapshots))
  log('starting three daemons…')
  const c = await startBenchCluster(join(dir, 'artdag'), ['a', 'b', 'c'], env)
  cleanups.push(async () => await c.stop())
  const recorder = await EventRecorder.start(c.clients, ['job'])
  cleanups.push(async () => await recorder.stop())
  const submitter = c.clients[0]!
  const pids = c.daemons.map(d => d.process.pid!)

  const run = async (tags: string[]): Promise<void> => {
    const ids = await Promise.all(tags.map(async tag => (await submitter.submitJob({ recipe: tinyStepRecipe(tag, seed++), inputs: {} })).id))
    const ends = await Promise.all(ids.map(async id => await recorder.waitFor(jobEnded(id, 0), `job ${id} to end on A`, 300_000)))
    const failed = ends.filter(e => e.event.type !== 'job.completed')
    if (failed.length > 0) throw new Error(`${failed.length} jobs did not complete: ${failed[0]!.event.type} ${JSON.stringify(failed[0]!.event.error)}`)
  }
  const snapshot = async (): Promise<Snapshot[]> => {
    if (!census) return []
    const before = new Set(await readdir(snapshots))
    for (const pid of pids) process.kill(pid, 'SIGUSR2')
    for (let waited = 0;; waited += 50) {
      const fresh = (await readdir(snapshots)).filter(f => f.endsWith('.json') && !before.has(f))
      if (fresh.length === pids.length) {
        const read = await Promise.all(fresh.map(async f => JSON.parse(await readFile(join(snapshots, f), 'utf8')) as Snapshot))
        return pids.map(pid => read.find(s => s.pid === pid)!)
      }
      if (waited > 10_000) throw new Error('the daemons did not write their census snapshots')
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  }

  for (let i = 0; i < 3; i++) await run([`warm${i}`])
  const perJob: Array<{ totals: Record<string, number>, counts: Record<string, number> }> = pids.map(() => ({ totals: {}, counts: {} }))
  const cpuPerJob: number[] = []
  for (let b = 0; b < bursts; b++) {
    await new Promise(resolve => setTimeout(resolve, tailMs))
    const before = await snapshot()
    const allPids = (): number[] => pids.flatMap(pid => [pid, ...spawnerHelpersOf(pid)])
    const cpuBefore = await cpuOf(allPids())
    await run(Array.from({ length: jobs }, (_, i) => `b${b}j${i}`))
    await new Promise(resolve => setTimeout(resolve, tailMs))
    cpuPerJob.push((await cpuOf(allPids()) - cpuBefore) * 1000 / jobs)
    const after = await snapshot()
    after.forEach((s, node) => {
      for (const field of ['totals', 'counts'] as const) {
        for (const [key, value] of Object.entries(s[field])) {
          const diff = (value - (before[node]![field][key] ?? 0)) / (jobs * bursts)
          if (diff !== 0) perJob[node]![field][key] = (perJob[node]![field][key] ?? 0) + diff
        }
      }
    })
    log(`burst ${b + 1}: ${cpuPerJob.at(-1)!.toFixed(1)} ms of CPU per job (daemons and spawners${census ? ', the census preload included' : ''})`)
  }

  const round = (n: number): number => Math.round(n * 100) / 100
  const sorted = (o: Record<string, number>, limit = Infinity): Record<string, number> => Object.fromEntries(Object.entries(o).sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k, v]) => [k, round(v)]))
  const result = {
    bench: 'async-census',
    machine: machineFacts(),
    jobs,
    bursts,
    confirmations,
    cpuMsPerJob: cpuPerJob.map(round),
    deopts: deopts ? await deoptSummary(snapshots, pids, top) : undefined,
    perJob: census ? perJob.map((p, node) => ({ node: 'abc'[node], totals: sorted(p.totals), byOurSite: sorted(byOurSite(p.counts), top), top: sorted(p.counts, top) })) : undefined
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  if (census) {
    for (const p of result.perJob!) {
      log(`\n— daemon ${p.node}, per job —`)
      for (const [k, v] of Object.entries(p.totals)) log(`${String(v).padStart(8)}  ${k}`)
      log('')
      for (const [k, v] of Object.entries(p.byOurSite)) log(`${String(v).padStart(8)}  ${k}`)
      log('')
      for (const [k, v] of Object.entries(p.top)) log(`${String(v).padStart(8)}  ${k.replace('\t', '  ')}`)
    }
  }
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined)
  await rm(dir, { recursive: true, force: true })
}

/** Everything made under each artdag frame (the first of a stack), whatever its kind; promises as sampled. */
function byOurSite (counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [key, value] of Object.entries(counts)) {
    const [kind = '', site = ''] = key.split('\t')
    const ours = site.includes(' ← ') || site.includes('src/') ? site.split(' ← ')[0]!.replace(/^async /, '') : '(not under artdag code)'
    const group = `${kind.startsWith('promise') ? 'promises' : 'signals, timers, listeners'}  ${ours}`
    out[group] = (out[group] ?? 0) + value
  }
  return out
}

/** Each daemon's deoptimisations by function and reason, most frequent first. */
async function deoptSummary (dir: string, pids: number[], limit: number): Promise<Array<{ pid: number, total: number, byFunction: Record<string, number> }>> {
  return await Promise.all(pids.map(async pid => {
    const text = await readFile(join(dir, `${pid}-deopt.log`), 'utf8').catch(() => '')
    const counts: Record<string, number> = {}
    let total = 0
    for (const match of text.matchAll(/\[bailout \(kind: ([^,]+), reason: ([^)]*)\): begin\. deoptimizing [^<]*<JSFunction ([^ (>]*)/g)) {
      const key = `${match[3] === '' ? '(anonymous)' : match[3]}  ${match[1]}: ${match[2]}`
      counts[key] = (counts[key] ?? 0) + 1
      total++
    }
    return { pid, total, byFunction: Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, limit)) }
  }))
}
