/**
 * The mutation check of docs/LEASES.md: each mechanism of the lease protocol
 * and of job outcomes, switched off in a copy of the source, must make the
 * simulator fail on the seed the docs name for it. A mechanism that no seed
 * misses is a mechanism nobody tests.
 *
 *   node_modules/.bin/node scripts/sim-mutations.ts            check every mechanism's named seed
 *   node_modules/.bin/node scripts/sim-mutations.ts --find     search each mechanism's scenarios for a failing seed
 *   node_modules/.bin/node scripts/sim-mutations.ts <name>…    only these mechanisms
 */
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('..', import.meta.url))

interface Mutation {
  /** The mechanism, as docs/LEASES.md names it. */
  name: string
  file: string
  /** Text that must occur exactly once in the file… */
  find: string
  /** …and what it becomes with the mechanism off. */
  replace: string
  /** Where to look for a failing seed (--find), and the seed the docs name. */
  scenario: string
  seed: number
}

const MUTATIONS: Mutation[] = [
  {
    name: 'settle window',
    file: 'src/lease/network-timing.ts',
    find: 'return Math.max(floor, Math.min(this.#o.maxWaitMs, 3 * oneWayMs + this.#o.marginMs))',
    replace: 'return floor === this.#o.settleFloorMs ? 0 : Math.max(floor, Math.min(this.#o.maxWaitMs, 3 * oneWayMs + this.#o.marginMs))',
    scenario: 'race-solo',
    seed: 1
  },
  { name: 'waits that follow round trips', file: 'src/lease/network-timing.ts', find: 'return Math.max(floor, Math.min(this.#o.maxWaitMs, 3 * oneWayMs + this.#o.marginMs))', replace: 'return floor', scenario: 'wan-race', seed: 1 },
  { name: 'decisions on wake-ups only', file: 'src/jobs/core/scheduler.ts', find: 'if (now < claimAt || !decide) {', replace: 'if (now < claimAt) {', scenario: 'busy', seed: 1 },
  { name: 'late event loop guard', file: 'src/jobs/core/coordinator.ts', find: 'if (core.promisedDecision !== undefined && now > core.promisedDecision + LAG_THRESHOLD_MS) {', replace: 'if (false) {', scenario: 'busy', seed: 1 },
  { name: 'lease_state answers', file: 'src/jobs/core/inbound.ts', find: '      publishLeaseState(core, out, cacheId, best, now)\n', replace: '', scenario: 'lossy', seed: 1 },
  { name: 'immediate re-assertion', file: 'src/jobs/core/inbound.ts', find: '      publishRenew(core, out, [{ cacheId, epoch: outcome.current.epoch }], now)\n', replace: '', scenario: 'lossy', seed: 1 },
  { name: 'stall nudge', file: 'src/jobs/core/scheduler.ts', find: 'if (ranked.length > 0) nudgeIfStalled(core, out, item, now)', replace: '', scenario: 'lossy', seed: 1 },
  {
    name: 're-claim after a release',
    file: 'src/jobs/core/inbound.ts',
    find: "    if (outcome.kind === 'released' && outcome.displaced?.holder === core.o.self) reclaim(core, out, msg.cacheId, now)\n",
    replace: '',
    scenario: 'restart',
    seed: 1
  },
  { name: 'pause detection', file: 'src/jobs/core/coordinator.ts', find: '} else if (now - core.lastInputAt > lease.pauseThresholdMs) {', replace: '} else if (false) {', scenario: 'partitions', seed: 1 },
  { name: 'heartbeat entries as renewals', file: 'src/jobs/core/heartbeat.ts', find: '  for (const lease of summary.leases) sighting(core, out, lease.cacheId, from, lease.epoch, now)\n', replace: '', scenario: 'lossy', seed: 1 },
  {
    name: 'refutation of takeovers',
    file: 'src/jobs/core/inbound.ts',
    find: "if (byEpoch > myEpoch && mine.phase === 'running' && !pausedLately && mine.refutations < MAX_REFUTATIONS) {",
    replace: 'if (false) {',
    scenario: 'asymmetric',
    seed: 1
  },
  { name: 'no failure while lookups are pending', file: 'src/jobs/core/lifecycle.ts', find: 'if (failed !== undefined && !lookupsPending(core, job))', replace: 'if (failed !== undefined)', scenario: 'late-lookup', seed: 1 },
  {
    name: 'failed jobs re-judged',
    file: 'src/jobs/core/lifecycle.ts',
    find: '  } else if (failed === undefined) {\n    resumeJob(core, out, job, now)',
    replace: '  } else if (false) {\n    resumeJob(core, out, job, now)',
    scenario: 'isolated-failures',
    seed: 1
  },
  { name: 'attempts on distinct nodes', file: 'src/jobs/core/attempts.ts', find: '  for (const peer of capableNodes(core, requires)) if (!failedOn.has(peer)) return false\n', replace: '', scenario: 'isolated-failures', seed: 1 },
  {
    name: 'outcomes announced while kept',
    file: 'src/jobs/core/coordinator.ts',
    find: '      for (const f of finished) jobs.push(entry(f))',
    replace: "      for (const f of finished) if (f.state !== 'failed') jobs.push(entry(f))",
    scenario: 'isolated-failures',
    seed: 1
  },
  { name: 'one kept result per step', file: 'src/jobs/core/lifecycle.ts', find: '  if (a.epoch !== b.epoch) return a.epoch < b.epoch', replace: '  return false', scenario: 'divergent', seed: 1 },
  { name: 'bounded epochs', file: 'src/lease/lease-table.ts', find: 'return epoch <= this.maxEpoch(cacheId) + MAX_EPOCH_JUMP', replace: 'return true', scenario: 'ideal', seed: 1 }
]

async function copyTree (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'artdag-mutant-'))
  await cp(join(ROOT, 'src'), join(dir, 'src'), { recursive: true })
  await cp(join(ROOT, 'test', 'sim'), join(dir, 'test', 'sim'), { recursive: true })
  await cp(join(ROOT, 'package.json'), join(dir, 'package.json'))
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  return dir
}

async function firstFailure (dir: string, scenario: string, from: number, to: number): Promise<{ seed: number, violations: string[] } | null> {
  const { stdout } = await run(join(ROOT, 'node_modules/.bin/node'), [join(dir, 'test/sim/find-failure.ts'), scenario, String(from), String(to)], { maxBuffer: 16 * 1024 * 1024 })
  return JSON.parse(stdout.trim()) as { seed: number, violations: string[] } | null
}

const args = process.argv.slice(2)
const find = args.includes('--find')
const only = args.filter(a => !a.startsWith('--'))
const rows: Array<{ mechanism: string, scenario: string, seed: number | null, caught: boolean, violation: string }> = []
for (const m of MUTATIONS.filter(m => only.length === 0 || only.includes(m.name))) {
  const dir = await copyTree()
  try {
    const path = join(dir, m.file)
    const text = await readFile(path, 'utf8')
    const count = text.split(m.find).length - 1
    if (count !== 1) {
      rows.push({ mechanism: m.name, scenario: m.scenario, seed: null, caught: false, violation: `the mutation does not apply (${count} matches in ${m.file}): update scripts/sim-mutations.ts` })
      continue
    }
    await writeFile(path, text.replace(m.find, m.replace))
    const failure = find ? await firstFailure(dir, m.scenario, 1, 400) : await firstFailure(dir, m.scenario, m.seed, m.seed)
    rows.push({ mechanism: m.name, scenario: m.scenario, seed: failure?.seed ?? null, caught: failure !== null, violation: failure?.violations[0]?.slice(0, 140) ?? '' })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  const row = rows.at(-1)
  console.error(`${row?.caught === true ? 'caught' : 'MISSED'}: ${m.name} (${m.scenario} seed ${String(row?.seed)}) ${row?.violation ?? ''}`)
}
console.log(JSON.stringify(rows, null, 2))
console.log('\n| mechanism switched off | scenario | seed | fails |\n|---|---|---|---|')
for (const r of rows) console.log(`| ${r.mechanism} | ${r.scenario} | ${r.seed ?? '–'} | ${r.caught ? r.violation.replace(/\|/g, '/') : '**no**'} |`)
process.exitCode = rows.every(r => r.caught) ? 0 : 1
