/**
 * The mutation check of docs/LEASES.md: each mechanism of the lease protocol
 * and of job outcomes, switched off in a copy of the source, must make the
 * simulator fail on the seed the docs name for it. A mechanism that no seed
 * misses is a mechanism nobody tests.
 *
 *   node_modules/.bin/node scripts/sim-mutations.ts            check every mechanism's named seed
 *   node_modules/.bin/node scripts/sim-mutations.ts --find     search each mechanism's scenario for its first failing seed
 *   node_modules/.bin/node scripts/sim-mutations.ts <name>…    only these mechanisms
 *   --jobs N                                                   mutants run N at a time (default: the cores)
 *
 * test/sim/mutations.test.ts runs the check mode. A mechanism that only shows
 * together with another (each repairs what the other would) lists the edits of
 * both: the pair is switched off together.
 */
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** --find searches seeds 1 to this. */
const FIND_SEEDS = 400

interface Edit {
  file: string
  /** Text that must occur exactly once in the file… */
  find: string
  /** …and what it becomes with the mechanism off. */
  replace: string
}

export interface Mutation {
  /** The mechanism, as docs/LEASES.md names it. */
  name: string
  edits: Edit[]
  /** Where to look for a failing seed (--find), and the seed the docs name. */
  scenario: string
  seed: number
}

function edit (file: string, find: string, replace: string): Edit[] {
  return [{ file, find, replace }]
}

export const MUTATIONS: Mutation[] = [
  {
    name: 'settle window',
    edits: edit(
      'src/lease/network-timing.ts',
      'return Math.max(floor, Math.min(this.#o.maxWaitMs, 3 * oneWayMs + this.#o.marginMs))',
      'return floor === this.#o.settleFloorMs ? 0 : Math.max(floor, Math.min(this.#o.maxWaitMs, 3 * oneWayMs + this.#o.marginMs))'
    ),
    scenario: 'race-solo',
    seed: 1
  },
  { name: 'waits that follow round trips', edits: edit('src/lease/network-timing.ts', 'return Math.max(floor, Math.min(this.#o.maxWaitMs, 3 * oneWayMs + this.#o.marginMs))', 'return floor'), scenario: 'wan-race', seed: 1 },
  { name: 'decisions on wake-ups only', edits: edit('src/jobs/core/scheduler.ts', 'if (now < claimAt || !decide) {', 'if (now < claimAt) {'), scenario: 'busy', seed: 15 },
  { name: 'late event loop guard', edits: edit('src/jobs/core/coordinator.ts', 'if (late && core.lagDeferred < MAX_LAG_DEFERRALS) {', 'if (false) {'), scenario: 'busy', seed: 15 },
  { name: 'lease_state answers', edits: edit('src/jobs/core/inbound.ts', '      publishLeaseState(core, out, cacheId, best, now)\n', ''), scenario: 'one-way-link', seed: 1 },
  { name: 'immediate re-assertion', edits: edit('src/jobs/core/inbound.ts', '      publishRenew(core, out, [{ cacheId, epoch: outcome.current.epoch }], now)\n', ''), scenario: 'lost-claims', seed: 1 },
  { name: 'stall nudge', edits: edit('src/jobs/core/scheduler.ts', 'if (ranked.length > 0) nudgeIfStalled(core, out, item, now)', ''), scenario: 'missed-input', seed: 1 },
  // Every path into reclaim (a release, a failure report, hearsay of a release) at once.
  {
    name: 're-claim after a release',
    edits: edit('src/jobs/core/inbound.ts', 'function reclaim (core: Core, out: Outbox, cacheId: string, now: number): void {\n', 'function reclaim (core: Core, out: Outbox, cacheId: string, now: number): void {\n  return\n'),
    scenario: 'crash-after-claim',
    seed: 1
  },
  { name: 'pause detection', edits: edit('src/jobs/core/coordinator.ts', '} else if (now - core.lastInputAt > lease.pauseThresholdMs) {', '} else if (false) {'), scenario: 'paused-holder', seed: 5 },
  { name: 'heartbeat entries as renewals', edits: edit('src/jobs/core/heartbeat.ts', '  for (const lease of summary.leases) sighting(core, out, lease.cacheId, from, lease.epoch, now)\n', ''), scenario: 'renew-loss', seed: 1 },
  { name: 'refutation of takeovers', edits: edit('src/jobs/core/inbound.ts', "if (byEpoch > myEpoch && mine.phase === 'running' && !pausedLately && mine.refutations < MAX_REFUTATIONS) {", 'if (false) {'), scenario: 'asymmetric', seed: 1 },
  { name: 'no failure while lookups are pending', edits: edit('src/jobs/core/lifecycle.ts', 'if (failed !== undefined && !lookupsPending(core, job))', 'if (failed !== undefined)'), scenario: 'cached-output', seed: 1 },
  {
    name: 'failed jobs re-judged',
    edits: edit('src/jobs/core/lifecycle.ts', '  } else if (failed === undefined) {\n    resumeJob(core, out, job, now)', '  } else if (failed === undefined) {\n    // switched off: a failed job stays failed'),
    scenario: 'late-lookup',
    seed: 1
  },
  { name: 'attempts on distinct nodes', edits: edit('src/jobs/core/attempts.ts', '  for (const peer of capableNodes(core, requires)) if (!failedOn.has(peer)) return false\n', ''), scenario: 'isolated-failures', seed: 2 },
  {
    name: 'outcomes announced while kept',
    edits: edit('src/jobs/core/coordinator.ts', '      for (const f of finished) jobs.push(entry(f))', "      for (const f of finished) if (f.state !== 'failed') jobs.push(entry(f))"),
    scenario: 'missed-outcome',
    seed: 1
  },
  { name: 'one kept result per step', edits: edit('src/jobs/core/lifecycle.ts', '  if (a.epoch !== b.epoch) return a.epoch < b.epoch', '  return false'), scenario: 'divergent', seed: 108 },
  { name: 'lease hold bound', edits: edit('src/lease/lease-table.ts', 'if (holding === undefined || holding.holder === this.#self) return Number.POSITIVE_INFINITY', 'return Number.POSITIVE_INFINITY'), scenario: 'held-step', seed: 1 },
  { name: 'results lost with their holders forgotten', edits: edit('src/jobs/core/losses.ts', '    if (unreachable(core, completion)) {', '    if (false) {'), scenario: 'lost-output', seed: 1 },
  { name: 'no attempt for a lost input', edits: edit('src/jobs/core/losses.ts', '  return j.held.length > 0 || !j.lost', '  return true'), scenario: 'lost-output', seed: 1 },
  { name: 'bounded epochs', edits: edit('src/lease/lease-table.ts', 'return epoch <= this.maxEpoch(cacheId) + MAX_EPOCH_JUMP', 'return true'), scenario: 'forged-epoch', seed: 1 }
]

export interface Row {
  mechanism: string
  scenario: string
  seed: number | null
  caught: boolean
  violation: string
  ms: number
}

/** A copy of the source and of the simulator with the mechanism switched off, or the reason it could not be made. */
async function mutant (m: Mutation): Promise<{ dir: string, problem?: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'artdag-mutant-'))
  await cp(join(ROOT, 'src'), join(dir, 'src'), { recursive: true })
  await cp(join(ROOT, 'test', 'sim'), join(dir, 'test', 'sim'), { recursive: true })
  await cp(join(ROOT, 'package.json'), join(dir, 'package.json'))
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  for (const e of m.edits) {
    const path = join(dir, e.file)
    const text = await readFile(path, 'utf8')
    const count = text.split(e.find).length - 1
    if (count !== 1) return { dir, problem: `the mutation does not apply (${count} matches in ${e.file}): update scripts/sim-mutations.ts` }
    await writeFile(path, text.replace(e.find, e.replace))
  }
  return { dir }
}

async function firstFailure (dir: string, scenario: string, from: number, to: number): Promise<{ seed: number, violations: string[] } | null> {
  const { stdout } = await run(join(ROOT, 'node_modules/.bin/node'), [join(dir, 'test/sim/find-failure.ts'), scenario, String(from), String(to)], { maxBuffer: 16 * 1024 * 1024 })
  return JSON.parse(stdout.trim()) as { seed: number, violations: string[] } | null
}

/** Switches each mechanism off and runs its seed (or, with `find`, searches its scenario's seeds). */
export async function checkMutations (mutations: readonly Mutation[], options: { find?: boolean, jobs?: number, log?: (row: Row) => void } = {}): Promise<Row[]> {
  const rows = new Map<number, Row>()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < mutations.length) {
      const i = next++
      const m = mutations[i] as Mutation
      const started = performance.now()
      const { dir, problem } = await mutant(m)
      let row: Row
      try {
        if (problem !== undefined) {
          row = { mechanism: m.name, scenario: m.scenario, seed: null, caught: false, violation: problem, ms: 0 }
        } else {
          const failure = options.find === true ? await firstFailure(dir, m.scenario, 1, FIND_SEEDS) : await firstFailure(dir, m.scenario, m.seed, m.seed)
          row = { mechanism: m.name, scenario: m.scenario, seed: failure?.seed ?? null, caught: failure !== null, violation: failure?.violations[0]?.split('\n')[0]?.slice(0, 160) ?? '', ms: 0 }
        }
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
      row.ms = performance.now() - started
      rows.set(i, row)
      options.log?.(row)
    }
  }
  const jobs = Math.max(1, Math.min(options.jobs ?? availableParallelism(), mutations.length))
  await Promise.all(Array.from({ length: jobs }, async () => {
    await worker()
  }))
  return mutations.map((_, i) => rows.get(i) as Row)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const find = args.includes('--find')
  const jobsAt = args.indexOf('--jobs')
  const jobs = jobsAt >= 0 ? Number(args[jobsAt + 1]) : undefined
  const only = args.filter((a, i) => !a.startsWith('--') && (jobsAt < 0 || i !== jobsAt + 1))
  const unknown = only.filter(name => !MUTATIONS.some(m => m.name === name))
  if (unknown.length > 0) {
    console.error(`unknown mechanisms: ${unknown.join(', ')} (known: ${MUTATIONS.map(m => m.name).join(', ')})`)
    process.exit(2)
  }
  const started = performance.now()
  const rows = await checkMutations(MUTATIONS.filter(m => only.length === 0 || only.includes(m.name)), {
    find,
    ...(jobs !== undefined ? { jobs } : {}),
    log: row => {
      console.error(`${row.caught ? 'caught' : 'MISSED'}: ${row.mechanism} (${row.scenario} seed ${String(row.seed)}, ${(row.ms / 1000).toFixed(1)} s) ${row.violation}`)
    }
  })
  console.log('| mechanism switched off | scenario | seed | fails |\n|---|---|---|---|')
  for (const r of rows) console.log(`| ${r.mechanism} | ${r.scenario} | ${r.seed ?? '–'} | ${r.caught ? r.violation.replace(/\|/g, '/') : '**no**'} |`)
  console.log(`\n${rows.filter(r => r.caught).length} of ${rows.length} mechanisms caught in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  if (find) {
    const stale = rows.filter(r => r.caught && r.seed !== MUTATIONS.find(m => m.name === r.mechanism)?.seed)
    for (const r of stale) console.log(`update the seed of "${r.mechanism}" to ${String(r.seed)}`)
  }
  process.exitCode = rows.every(r => r.caught) ? 0 : 1
}
