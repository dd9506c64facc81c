import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { CLI_OUTPUTS } from '../../src/api/outputs.ts'
import type { JobDetail } from '../../src/api/schemas.ts'
import { artdag, collectOutput, makeClip, RECORD_MODULES, spawnArtdag } from './helpers/cli.ts'
import type { CliResult } from './helpers/cli.ts'
import { Daemon, eventually, initHomes } from './helpers/daemon.ts'

/**
 * Issue 13 with a daemon: the CLI as people use it against a real daemon.
 * Ids typed back by prefix, the job id at once, Ctrl-C while following, the
 * live display through the cluster, logs of the daemon and of a step, errors
 * naming the recipe's input and file, and every command's --json against the
 * schema docs/API.md documents (src/api/outputs.ts).
 */

let dir: string
let daemon: Daemon
let bare: string

const TINY = 'version: 1\nname: tiny\nnodes:\n  bars: { type: generate, config: { duration: 1, width: 160, height: 90 } }\n  out: { type: encode, inputs: [bars], config: { crf: 35, preset: ultrafast } }\noutput: out\n'
/** A step that runs until it is stopped (ten minutes of fractal). */
const SLOW = 'version: 1\nname: slow\nnodes:\n  long: { type: generate, config: { pattern: mandelbrot, duration: 600, width: 640, height: 360 } }\noutput: long\n'
/** A few seconds of work with progress: the live display has something to show. */
const STEADY =
  'version: 1\nname: steady\nnodes:\n  fractal: { type: generate, config: { pattern: mandelbrot, duration: 4, width: 480, height: 270 } }\n  out: { type: encode, inputs: [fractal], config: { crf: 35, preset: ultrafast } }\noutput: out\n'
const BAD_INPUT = 'version: 1\nname: bad-input\ninputs:\n  clip: ./clip.mp4\nnodes:\n  cut: { type: segment, inputs: [clip], config: { start: 0, duration: 1 } }\noutput: cut\n'
const TWO_OUTPUTS =
  'version: 1\nname: two\nnodes:\n  bars: { type: generate, config: { duration: 1, width: 160, height: 90 } }\n  out: { type: encode, inputs: [bars], config: { crf: 35 } }\n  poster: { type: thumbnail, inputs: [bars], config: { time: 0.5 } }\noutputs: [out, poster]\n'

const recipe = (name: string): string => join(dir, `${name}.yaml`)
const HOSTILE = fileURLToPath(new URL('../fixtures/hostile-recipes/', import.meta.url))

/** `artdag …` against the daemon's home. */
async function cli (args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return await daemon.cli(args, { cwd: dir, env })
}

/** `artdag … --json`, checked against the schema of `command` (src/api/outputs.ts); remembers it was checked. */
const checked = new Set<string>()
async function checkedJson<K extends keyof typeof CLI_OUTPUTS> (command: K, result: CliResult): Promise<z.output<(typeof CLI_OUTPUTS)[K] extends { json: infer S extends z.ZodType } ? S : never>> {
  expect(result.code, `${command}: ${result.stderr}`).toBe(0)
  const spec = CLI_OUTPUTS[command] as { json: z.ZodType }
  const parsed = spec.json.safeParse(JSON.parse(result.stdout))
  expect(parsed.success ? true : parsed.error.message, command).toBe(true)
  checked.add(command)
  return parsed.data as never
}

/** NDJSON lines of a command that streams until Ctrl-C, checked item by item. */
function checkedLines (command: keyof typeof CLI_OUTPUTS, text: string): unknown[] {
  const spec = CLI_OUTPUTS[command] as { ndjson: z.ZodType }
  const items = text.split('\n').filter(line => line !== '').map(line => JSON.parse(line) as unknown)
  expect(items.length, command).toBeGreaterThan(0)
  for (const item of items) {
    const parsed = spec.ndjson.safeParse(item)
    expect(parsed.success ? true : parsed.error.message, command).toBe(true)
  }
  checked.add(command)
  return items
}

async function jobOf (id: string): Promise<JobDetail> {
  return await daemon.json<JobDetail>(['job', id])
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-cli-daemon-'))
  for (const [name, text] of [['tiny', TINY], ['slow', SLOW], ['steady', STEADY], ['bad-input', BAD_INPUT], ['two', TWO_OUTPUTS]] as const) await writeFile(recipe(name), text)
  await writeFile(join(dir, 'clip.mp4'), 'this is a text file, not a video\n')
  const [home, other] = await initHomes(dir, ['home', 'bare'])
  bare = other as string
  // One attempt per step: a step that fails fails at once.
  daemon = await Daemon.start(home as string, { env: { ARTDAG_JOBS__MAX_ATTEMPTS: '1', ARTDAG_LOG__LEVEL: 'info' } })
}, 120_000)

afterAll(async () => {
  await daemon?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('artdag with a daemon', { timeout: 180_000 }, () => {
  let first: string
  let second: string

  it('prints shortened ids that can be typed back: unique prefixes work, an ambiguous one is refused with the candidates', async () => {
    first = (await checkedJson('submit', await cli(['submit', recipe('tiny'), '--json']))).id
    const modules = join(dir, 'submit-modules.txt')
    const done = await checkedJson('submit --wait', await cli(['submit', recipe('tiny'), '--wait', '--label', 'again', '--json'], { NODE_OPTIONS: `--import ${RECORD_MODULES}`, RECORD_MODULES_TO: modules }))
    second = done.job as string
    // A recipe with nothing to upload is sent as parsed and its job followed: the daemon checks and
    // plans it, so the CLI loads neither the planner (nor its CBOR) nor the step catalog.
    const loaded = (await readFile(modules, 'utf8')).split('\n')
    expect(loaded.some(url => url.endsWith('/src/plan/parse.ts'))).toBe(true)
    expect(loaded.filter(url => /\/src\/plan\/(planner|canonical|validate)\.ts$|\/src\/exec\/|\/node_modules\/(cborg|@ipld\/dag-cbor)\//.test(url))).toEqual([])
    const listed = await cli(['jobs'])
    // `artdag jobs` shows 16 characters of each id, and that is enough to name the job.
    const short = second.slice(0, 16)
    expect(listed.stdout).toContain(short)
    expect(listed.stdout).not.toContain(second)
    expect((await checkedJson('job', await cli(['job', short, '--json']))).id).toBe(second)
    expect((await cli(['job', short])).stdout).toMatch(new RegExp(`^job +${second}$`, 'm'))
    // Every job id starts with the same characters (a dag-json CID): too short a prefix names several.
    const ambiguous = await cli(['job', 'baguqeera'])
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.stderr).toMatch(/^baguqeera is the start of 2 job ids \(baguqeera\w+, baguqeera\w+\): type more of it\n$/)
    const none = await cli(['cancel', 'bagzzzz'])
    expect(none).toMatchObject({ code: 3, stderr: 'no job has an id starting with bagzzzz (artdag jobs lists them)\n' })
    // A CID shown shortened (the output, in `artdag jobs` and `artdag job`) is typed back the same way.
    const output = done.output
    expect((await cli(['job', short])).stdout).toContain(output.slice(0, 16))
    const got = await checkedJson('get', await cli(['get', output.slice(0, 16), '-o', join(dir, 'tiny.mp4'), '--json']))
    expect(got).toMatchObject({ cid: output, path: join(dir, 'tiny.mp4') })
  })

  it('submit prints the job id at once; Ctrl-C while following says the job goes on and how to cancel it (exit 130)', async () => {
    const child = spawnArtdag(['submit', recipe('slow'), '--wait', '--home', daemon.home], { env: daemon.env, cwd: dir })
    const out = collectOutput(child)
    const line = await out.waitFor(/job (\w+) submitted; following it \(Ctrl-C stops following, the job goes on: artdag cancel (\w+) stops it\)/)
    const id = /job (\w+) submitted/.exec(line)?.[1] as string
    // The id is usable while the CLI still follows the job.
    await eventually(async () => (await jobOf(id)).steps[0]?.state === 'running', { what: 'the slow step to run' })
    expect(child.exitCode).toBeNull()
    await out.waitFor(/long \(generate\) running on …\w{6}/)
    child.kill('SIGINT')
    expect(await out.exit).toBe(130)
    expect(out.stderr()).toContain(`stopped following job ${id.slice(0, 16)}; it goes on running (artdag watch ${id.slice(0, 16)} follows it again, artdag cancel ${id.slice(0, 16)} stops it)\n`)
    expect((await jobOf(id)).state).toBe('running')

    // Cancelled by its prefix: every step left unfinished says so, in lowercase like every state.
    const cancelled = await checkedJson('cancel', await cli(['cancel', id.slice(0, 16), '--json']))
    expect(cancelled.state).toBe('cancelled')
    const after = await jobOf(id)
    expect(after.steps.map(s => s.state)).toEqual(['cancelled'])
  })

  it('render --cancel-on-interrupt cancels the job on Ctrl-C', async () => {
    const child = spawnArtdag(['render', recipe('slow'), '--cancel-on-interrupt', '--home', daemon.home], { env: daemon.env, cwd: dir })
    const out = collectOutput(child)
    const line = await out.waitFor(/job (\w+) submitted/)
    const id = line.split(' ')[1] as string
    await out.waitFor(/long \(generate\) running/)
    child.kill('SIGINT')
    expect(await out.exit).toBe(130)
    expect(out.stderr()).toContain(`cancelled job ${id.slice(0, 16)} (interrupted with --cancel-on-interrupt)\n`)
    expect((await jobOf(id)).state).toBe('cancelled')
  })

  it('shows one live display through the daemon: a line per event with the node, %, ETA and run times when not a terminal', async () => {
    const result = await cli(['render', recipe('steady'), '-o', join(dir, 'steady.mp4')])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/^job \w+ submitted; following it/m)
    expect(result.stderr).toMatch(/^\d+:\d\d steady: 2 steps$/m)
    expect(result.stderr).toMatch(/^\d+:\d\d fractal \(generate\) running on …\w{6}$/m)
    expect(result.stderr).toMatch(/^\d+:\d\d fractal \(generate\) completed in [\d.]+ (ms|s) on …\w{6}$/m)
    expect(result.stderr).toMatch(/^\d+:\d\d out \(encode\) completed/m)
    expect(result.stdout).toMatch(new RegExp(`^file +${join(dir, 'steady.mp4')} \\(`, 'm'))
  })

  it('shows the same display on a terminal: bars with %, elapsed, ETA and node, redrawn in place', async () => {
    const log = join(dir, 'tty.log')
    // A step long enough for the daemon's progress to reach the display; stopped once it has.
    await writeFile(recipe('slow2'), SLOW.replace('height: 360 }', 'height: 360, seed: 2 }').replace('name: slow', 'name: slow2'))
    const command = `ARTDAG_HOME='' ${process.execPath} ${join(process.cwd(), 'bin/artdag.js')} render ${recipe('slow2')} --home ${daemon.home}`
    const child = spawn('script', ['-q', '-f', '-c', command, log], { cwd: dir, stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, ...daemon.env } })
    const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
    const screen = async (): Promise<string> => await readFile(log, 'utf8').catch(() => '')
    await eventually(async () => /ETA \d+:\d\d on …\w{6}/.test(await screen()), { timeoutMs: 90_000, what: 'a progress bar with an ETA on the terminal' })
    const id = /job (\w+) submitted/.exec(await screen())?.[1] as string
    expect((await cli(['cancel', id.slice(0, 16)])).code).toBe(0)
    expect(await exited).toBe(0)
    const text = await screen()
    expect(text).toMatch(/slow2: 0\/1 done · 1 running · 0 cached · \d+s/)
    expect(text).toMatch(/ {2}long \(generate\) {2}\[[#-]{12}\] +\d+% {2}\d+:\d\d {2}ETA \d+:\d\d on …\w{6}/)
    // Redrawn in place: the cursor goes back up over the block.
    expect(text).toContain('\x1b[2A\x1b[0J')
    expect(text).toMatch(/\[COMMAND_EXIT_CODE="1"\]/)
    expect(text).toMatch(new RegExp(`job ${id.slice(0, 16)} cancelled`))
  })

  it("keeps the daemon's log (logs, -n, -f, --json) and each step's ffmpeg log (logs JOB STEP)", async () => {
    const tail = await cli(['logs', '-n', '3'])
    expect(tail.code).toBe(0)
    expect(tail.stdout.trim().split('\n')).toHaveLength(3)
    // Lines for people: time, level, component, message, fields.
    expect(tail.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} (INFO |WARN |DEBUG|ERROR) /m)
    checkedLines('logs', (await cli(['logs', '-n', '5', '--json'])).stdout)

    const following = spawnArtdag(['logs', '-f', '-n', '1', '--home', daemon.home], { env: daemon.env })
    const followed = collectOutput(following)
    await followed.waitFor(/\n/)
    const id = (await checkedJson('retry', await cli(['retry', first.slice(0, 16), '--json']))).id
    await followed.waitFor(new RegExp(`job +jobId=${id}`), 60_000)
    following.kill('SIGINT')
    expect(await followed.exit).toBe(0)

    const step = await checkedJson('logs JOB STEP', await cli(['logs', second.slice(0, 16), 'out', '--json']))
    expect(step).toMatchObject({ job: second, step: 'out', ok: true })
    expect(step.text).toMatch(/^# ffmpeg .*-i /m)
    expect((await cli(['logs', second.slice(0, 16), 'out'])).stdout).toMatch(/^# ffmpeg /)
  })

  it("names the recipe's input and its file when a step fails on it, and keeps the failed run's ffmpeg log", async () => {
    const result = await cli(['render', recipe('bad-input')])
    expect(result.code).toBe(1)
    const line = result.stderr.trim().split('\n').at(-1) as string
    expect(line).toMatch(/^job \w{16} failed on input clip \(\.\/clip\.mp4, named in .*bad-input\.yaml\): step cut failed after 1 attempt\(s\) on \w+: .*input "clip" \(bafk\w+\) .*Invalid data/)
    expect(line).not.toMatch(/input-0/)
    const id = (await daemon.json<{ jobs: Array<{ id: string, recipe: string }> }>(['jobs'])).jobs.find(j => j.recipe === 'bad-input')?.id as string
    const shown = await cli(['job', id.slice(0, 16)])
    expect(shown.stdout).toContain(`logs        artdag logs ${id.slice(0, 16)} cut`)
    const log = await cli(['logs', id.slice(0, 16), 'cut'])
    expect(log.code).toBe(0)
    expect(log.stdout).toMatch(/Invalid data found when processing input|could not find codec|moov atom not found/i)
  })

  it('refuses a recipe with several outputs through this daemon, saying what to do', async () => {
    const result = await cli(['render', recipe('two')])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^outputs: this daemon runs jobs of one output; the recipe names 2 \(out, poster\): render it with no daemon running/)
  })

  it('refuses a bad recipe with no file to upload as it does with no daemon (the daemon checks it): the same error and exit code, and no job', async () => {
    const expected = JSON.parse(await readFile(join(HOSTILE, 'expected.json'), 'utf8')) as { files: Record<string, { error: string, message: string }> }
    const jobs = (await daemon.json<{ jobs: unknown[] }>(['jobs'])).jobs.length
    for (const [file, want] of Object.entries(expected.files)) {
      const result = await cli(['submit', join(HOSTILE, file), '--wait', '--json'])
      const body = JSON.parse(result.stderr) as { error: { name: string, kind: string, message: string } }
      expect(body.error.name, file).toBe(want.error)
      expect(result.code, file).toBe(body.error.kind === 'too_large' ? 5 : 2)
      expect(body.error.message, file).toContain(want.message)
    }
    expect((await daemon.json<{ jobs: unknown[] }>(['jobs'])).jobs).toHaveLength(jobs)
  })

  it('refuses a bad recipe that names a local file before uploading it', async () => {
    await writeFile(recipe('bad-upload'), 'version: 1\nname: bad-upload\ninputs:\n  clip: ./clip.mp4\nnodes:\n  cut: { type: segment, inputs: [clip], config: { start: 0, durration: 1 } }\noutput: cut\n')
    // The membership registry re-publishes itself (a pin of its own) at any time: not an upload.
    const uploads = async (): Promise<unknown[]> => (await daemon.json<{ pins: Array<{ labels?: Record<string, string> }> }>(['pin', 'ls'])).pins.filter(pin => pin.labels?.purpose !== 'membership-registry')
    const pins = await uploads()
    const result = await cli(['submit', recipe('bad-upload'), '--wait'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe('nodes.cut.config.durration: unknown field (did you mean "duration"?)\n')
    expect(await uploads()).toEqual(pins)
  })

  it("prints every command's --json in the shape docs/API.md gives (src/api/outputs.ts)", async () => {
    const ready = CLI_OUTPUTS.daemon.json.safeParse(daemon.ready)
    expect(ready.success).toBe(true)
    checked.add('daemon')
    await checkedJson('id', await cli(['id', '--json']))
    await checkedJson('status', await cli(['status', '--json']))
    await checkedJson('peers', await cli(['peers', '--json']))
    await checkedJson('ui', await cli(['ui', '--json']))
    const clip = join(dir, 'source.mp4')
    await makeClip(clip, { seconds: 2 })
    const added = await checkedJson('add', await cli(['add', clip, '--json']))
    await checkedJson('pin add', await cli(['pin', 'add', added.cid.slice(0, 16), '--kind', 'final', '--json']))
    await checkedJson('pin ls', await cli(['pin', 'ls', '--json']))
    await checkedJson('pin rm', await cli(['pin', 'rm', added.cid, '--json']))
    await checkedJson('gc', await cli(['gc', '--json']))
    await checkedJson('repo stat', await cli(['repo', 'stat', '--json']))
    const planned = await cli(['plan', recipe('tiny'), '--json'])
    expect(planned.stderr).toBe('')
    await checkedJson('plan', planned)
    await checkedJson('render', await cli(['render', recipe('tiny'), '--json']))
    await checkedJson('jobs', await cli(['jobs', '--json']))
    await checkedJson('watch JOB', await cli(['watch', second.slice(0, 16), '--json']))
    await checkedJson('transcode', await cli(['transcode', clip, '--json']))
    await checkedJson('transcode --wait', await cli(['transcode', clip, '--wait', '--chunk-seconds', '1', '--json']))
    await checkedJson('version', await cli(['version', '--all', '--json']))
    await checkedJson('config get', await cli(['config', 'get', '--json']))
    await checkedJson('config get KEY', await cli(['config', 'get', 'exec.slots', '--json']))
    expect(await checkedJson('config set', await cli(['config', 'set', 'gc.intervalMs', '0', '--json']))).toMatchObject({ key: 'gc.intervalMs', value: 0, restart: true })
    await checkedJson('completion', await cli(['completion', 'fish', '--json']))
    await checkedJson('doctor', await cli(['doctor', '--json']))
    await checkedJson('init', await artdag(['init', '--home', join(dir, 'fresh'), '--json']))
    // With no daemon, the same shapes.
    await checkedJson('render (no daemon)', await artdag(['render', recipe('tiny'), '--home', bare, '--json'], { cwd: dir }))
    await checkedJson('gc (no daemon)', await artdag(['gc', '--home', bare, '--json']))
    await checkedJson('repo stat (no daemon)', await artdag(['repo', 'stat', '--home', bare, '--json']))

    // The streams, one JSON object per line, until Ctrl-C.
    for (const [command, args] of [['events', ['events', '--all']], ['watch', ['watch']]] as const) {
      const child = spawnArtdag([...args, '--json', '--home', daemon.home], { env: daemon.env })
      const out = collectOutput(child)
      // Jobs make events; submitted until the stream (subscribed at some point after the spawn) shows one.
      await eventually(async () => {
        await cli(['submit', recipe('tiny')])
        return /\}\n/.test(out.stdout())
      }, { timeoutMs: 60_000, intervalMs: 500, what: `${command} to print an event` })
      child.kill('SIGINT')
      expect(await out.exit).toBe(0)
      checkedLines(command, out.stdout())
    }
    expect(Object.keys(CLI_OUTPUTS).filter(key => !checked.has(key))).toEqual([])
  })
})
