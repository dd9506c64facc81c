#!/usr/bin/env node
/**
 * How long a CLI command that only talks to the socket takes, Node's start
 * included, against `node -e 0` measured in the same run (issue 11):
 * `artdag --version`, `status`, `peers` and `job ID` (by a unique prefix, as
 * a user types it back), each run as a user runs it:
 *
 * - `artdag …`: bin/artdag.js executed through its `#!` line, with a PATH whose
 *   `node` is the machine's own (older than 22.19 on a machine like this one:
 *   the file then starts the project's Node 24, not a second Node);
 * - `node24 bin/artdag.js …`: the project's Node started directly (how the tests run it).
 *
 * Commands are run round-robin (one of each, then again), so a busy moment of a
 * shared machine falls on all of them alike. One daemon serves them, with one
 * finished job to show. Each command's CPU (user + system, with its children,
 * from the shell's `times`) is reported beside its wall time: on a loaded
 * machine it is the steadier figure.
 *
 *   npm run bench:cli [-- --runs 30]
 *
 * Target (issue 11): ≤ 150 ms per socket-only command, Node's start included.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { createApiClient } from '../../src/api/client.ts'
import { BIN } from '../../test/e2e/helpers/cli.ts'
import { Daemon, eventually, initHomes } from '../../test/e2e/helpers/daemon.ts'
import { machineFacts } from './lib/cluster.ts'
import { median, percentile } from './lib/proc.ts'
import { numberArg, printReport } from './lib/report.ts'
import { timed } from './lib/timed.ts'
import type { Row } from './lib/report.ts'
import type { TimedRun } from './lib/timed.ts'

const runs = numberArg('runs', 30)
const TARGET_MS = 150
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const NODE24 = join(ROOT, 'node_modules', 'node', 'bin', 'node')
const RECIPE = join(ROOT, 'test', 'fixtures', 'recipes', 'text-literal.yaml')

/** PATH without node_modules/.bin (npm run puts it first): `node` is then the machine's own. */
const machinePath = (process.env.PATH ?? '').split(delimiter).filter(dir => !dir.includes('node_modules')).join(delimiter)

function versionOf (node: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(node, ['--version'], { env: { ...process.env, PATH: machinePath } }, (err, stdout) => {
      if (err != null) reject(err)
      else resolve(stdout.trim())
    })
  })
}

const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-cli-'))
const loadAtStart = loadavg()[0]
let scratch = 0
/** Wall time and CPU (the command's and its children's) of one run; a failure is a bug in the bench or the CLI. */
async function execTimed (file: string, args: string[], env: Record<string, string | undefined>): Promise<TimedRun> {
  const run = await timed(file, args, { env, scratch: join(dir, `run-${scratch++}`), timeoutMs: 30_000 })
  if (run.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${run.code}: ${run.stderr}`)
  return run
}
let daemon: Daemon | undefined
try {
  const [home] = await initHomes(dir, ['a']) as [string]
  daemon = await Daemon.start(home, { env: { ARTDAG_LOG__LEVEL: 'warn' } })
  // One finished job, for `artdag job`.
  const client = createApiClient({ home })
  const recipe = parse(await readFile(RECIPE, 'utf8')) as Record<string, unknown>
  const job = await client.submitJob({ recipe, inputs: {} })
  await eventually(async () => (await client.job(job.id)).state === 'completed', { what: 'the job to complete', timeoutMs: 120_000 })
  const prefix = job.id.slice(0, 16)

  const machineNode = await new Promise<string>((resolve, reject) => {
    execFile('sh', ['-c', 'command -v node'], { env: { ...process.env, PATH: machinePath } }, (err, stdout) => err != null ? reject(err) : resolve(stdout.trim()))
  })
  const env = { ...process.env, PATH: machinePath, ARTDAG_HOME: home }
  const commands: Array<{ name: string, file: string, args: string[], baseline?: boolean }> = [
    { name: 'node24 -e 0', file: NODE24, args: ['-e', '0'], baseline: true },
    { name: `node -e 0 (machine's ${await versionOf(machineNode)})`, file: machineNode, args: ['-e', '0'] },
    ...[['--version'], ['status'], ['peers'], ['job', prefix]].flatMap(args => [
      { name: `artdag ${args[0] as string}`, file: BIN, args },
      { name: `node24 bin/artdag.js ${args[0] as string}`, file: NODE24, args: [BIN, ...args] }
    ])
  ]
  // Warm the compile cache (as any second run of a command finds it) and check each command works.
  for (const c of commands) await execTimed(c.file, c.args, env)

  const times = new Map<string, number[]>(commands.map(c => [c.name, []]))
  const cpu = new Map<string, number[]>(commands.map(c => [c.name, []]))
  for (let i = 0; i < runs; i++) {
    for (const c of commands) {
      const run = await execTimed(c.file, c.args, env)
      times.get(c.name)?.push(run.wallMs)
      cpu.get(c.name)?.push(run.cpuMs)
    }
  }

  const baseline = median(times.get('node24 -e 0') ?? [])
  const cpuBaseline = median(cpu.get('node24 -e 0') ?? [])
  const rows: Row[] = commands.flatMap(c => {
    const values = times.get(c.name) ?? []
    const value = median(values)
    const cpuValue = median(cpu.get(c.name) ?? [])
    const socketOnly = c.name.includes('artdag')
    return [{
      metric: `${c.name} median (p90 ${percentile(values, 90).toFixed(0)})`,
      value,
      unit: 'ms',
      ...(c.baseline === true ? {} : { baseline, ratio: value / baseline }),
      ...(socketOnly ? { target: `≤ ${TARGET_MS} ms`, pass: value <= TARGET_MS } : {})
    }, {
      // CPU moves much less than wall time on a shared machine: what a quiet one would take, roughly.
      metric: `  its CPU, median`,
      value: cpuValue,
      unit: 'ms',
      ...(c.baseline === true ? {} : { baseline: cpuBaseline, ratio: cpuValue / cpuBaseline })
    }]
  })
  printReport('cli', rows, { runs, loadavg1m: { atStart: loadAtStart, atEnd: loadavg()[0] }, machine: machineFacts(), machineNode, node24: NODE24, bin: BIN, binDir: dirname(BIN) })
} finally {
  await daemon?.stop()
  await rm(dir, { recursive: true, force: true })
}
