import { spawn } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderResultSchema } from '../../src/api/outputs.ts'
import { artdag, artdagBytes, collectOutput, ffprobe, spawnArtdag } from './helpers/cli.ts'
import { eventually } from './helpers/daemon.ts'

/**
 * Issue 13 with no daemon: a render on this machine (several outputs, unused
 * nodes named, the live display, Ctrl-C stopping the work) and the home's
 * content and settings with no daemon (get, cat, pin, gc with the bytes it
 * gave back, repo stat, version, config), holding the home's lock.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
let dir: string
let home: string

const TWO_OUTPUTS = `version: 1
name: two
nodes:
  bars: { type: generate, config: { duration: 2, width: 320, height: 180 } }
  out: { type: encode, inputs: [bars], config: { crf: 35, preset: ultrafast } }
  poster: { type: thumbnail, inputs: [bars], config: { time: 1 } }
  spare: { type: transform, inputs: [bars], config: { ops: [{ op: flip, direction: horizontal }] } }
outputs: [out, poster]
`
const SLOW = 'version: 1\nname: slow\nnodes:\n  long: { type: generate, config: { pattern: mandelbrot, duration: 120, width: 640, height: 360 } }\noutput: long\n'

const run = async (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> => await artdag([...args, '--home', home], { cwd: dir })

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-cli-local-'))
  home = join(dir, 'home')
  await writeFile(join(dir, 'two.yaml'), TWO_OUTPUTS)
  await writeFile(join(dir, 'slow.yaml'), SLOW)
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('artdag with no daemon', { timeout: 180_000 }, () => {
  let output: string
  let poster: string

  it('plan and render name the nodes no output uses; a recipe renders several outputs, each to its file', async () => {
    const plan = await run(['plan', 'two.yaml'])
    expect(plan.code).toBe(0)
    expect(plan.stderr).toContain('note: node spare is not used by any output and will not render (list it under outputs: to render it too)\n')
    expect(plan.stdout).toMatch(/^1 +poster +thumbnail +bars +\w{16} +to run +output$/m)
    const planJson = await run(['plan', 'two.yaml', '--json'])
    expect(planJson.stderr).toBe('')
    expect(JSON.parse(planJson.stdout)).toMatchObject({ outputs: ['out', 'poster'], unused: ['spare'] })

    const result = await run(['render', 'two.yaml', '-o', 'two.mp4', '-o', 'poster=poster.png', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const rendered = renderResultSchema.parse(JSON.parse(result.stdout))
    expect(rendered.job).toBeNull()
    expect(Object.keys(rendered.outputs)).toEqual(['out', 'poster'])
    expect(rendered.files.map(f => [f.output, f.path])).toEqual([['out', join(dir, 'two.mp4')], ['poster', join(dir, 'poster.png')]])
    expect(rendered.steps.map(s => [s.step, s.state])).toEqual([['bars', 'completed'], ['out', 'completed'], ['poster', 'completed']])
    expect((await ffprobe(join(dir, 'two.mp4'))).streams.find(s => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 320 })
    expect((await ffprobe(join(dir, 'poster.png'))).streams[0]).toMatchObject({ codec_name: 'png' })
    output = rendered.outputs.out as string
    poster = rendered.outputs.poster as string

    // The text form: both outputs, the files, and the unused node said before the work.
    const again = await run(['render', 'two.yaml', '-o', 'two-again.mp4'])
    expect(again.stderr).toMatch(/^note: node spare is not used/)
    expect(again.stdout).toMatch(new RegExp(`^output +${output}$`, 'm'))
    expect(again.stdout).toMatch(new RegExp(`^output poster +${poster}$`, 'm'))
    expect(again.stdout).toMatch(/^steps +3 \(0 rendered, 3 cached\)$/m)
  })

  it('checks where -o writes before any work, and says when a name does not match the format', async () => {
    const missing = await run(['render', 'two.yaml', '-o', 'nowhere/two.mp4'])
    expect(missing).toMatchObject({ code: 2, stdout: '' })
    expect(missing.stderr).toMatch(/^-o .*nowhere\/two\.mp4: the directory .*nowhere does not exist; create it first \(nothing was rendered\)\n$/)
    const misnamed = await run(['render', 'two.yaml', '-o', 'two.webm'])
    expect(misnamed.code).toBe(0)
    expect(misnamed.stderr).toMatch(/^note: out is mp4, but -o names .*two\.webm: its bytes are written as they are \(name it \.mp4\)$/m)
  })

  it('shows a line per event when stderr is not a terminal, and on a terminal bars redrawn in place', async () => {
    await writeFile(join(dir, 'three.yaml'), TWO_OUTPUTS.replace('duration: 2,', 'duration: 3,').replace('name: two', 'name: three'))
    const plain = await run(['render', 'three.yaml'])
    expect(plain.code).toBe(0)
    expect(plain.stderr).toMatch(/^0:\d\d three: 3 steps$/m)
    expect(plain.stderr).toMatch(/^0:\d\d bars \(generate\) running$/m)
    expect(plain.stderr).toMatch(/^0:\d\d bars \(generate\) completed in [\d.]+ (ms|s)$/m)
    expect(plain.stderr).toMatch(/^0:\d\d poster \(thumbnail\) completed/m)
    // No -o: how to get the output.
    expect(plain.stderr).toMatch(/^save it with: artdag get \w{16} -o three\.mp4$/m)

    const log = join(dir, 'tty.log')
    const command = `ARTDAG_HOME='' ${process.execPath} ${join(ROOT, 'bin/artdag.js')} render ${join(dir, 'slow.yaml')} --home ${home}`
    const child = spawn('script', ['-q', '-f', '-c', command, log], { cwd: dir, stdio: ['ignore', 'ignore', 'ignore'] })
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
    const screen = async (): Promise<string> => await readFile(log, 'utf8').catch(() => '')
    await eventually(async () => /ETA \d+:\d\d/.test(await screen()), { timeoutMs: 90_000, intervalMs: 100, what: 'a progress bar with an ETA on the terminal' })
    // Ctrl-C on this machine stops the work itself (the render holds the home: its lock names it).
    const holder = JSON.parse(await readFile(join(home, 'repo.lock'), 'utf8')) as { pid: number }
    process.kill(holder.pid, 'SIGINT')
    await exited
    const text = await screen()
    expect(text).toMatch(/slow: 0\/1 done · 1 running · 0 cached · \d+s/)
    expect(text).toMatch(/ {2}long \(generate\) {2}\[[#-]{12}\] +\d+% {2}\d+:\d\d {2}ETA \d+:\d\d/)
    expect(text).toContain('\x1b[2A\x1b[0J')
    expect(text).toContain('render stopped: its ffmpeg runs were stopped and nothing was written (the steps already done stay cached)')
    expect(text).toMatch(/\[COMMAND_EXIT_CODE="130"\]/)
    expect(await readdir(join(home, 'work'))).toEqual([])
  })

  it("gets, cats, pins and collects the home's content with no daemon, by unique prefix, and says how much gc gave back", async () => {
    const got = await run(['get', output.slice(0, 16)])
    expect(got.code, got.stderr).toBe(0)
    // No -o: named after the CID, with the extension of what the content is.
    expect(got.stdout).toMatch(new RegExp(`^${join(dir, output)}\\.mp4 \\(`))
    expect(await readFile(join(dir, `${output}.mp4`))).toEqual(await readFile(join(dir, 'two.mp4')))
    const head = await artdagBytes(['cat', poster.slice(0, 16), '--length', '8', '--home', home])
    expect(head.stdout).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))

    const listed = await run(['pin', 'ls', '--kind', 'final'])
    expect(listed.stdout).toContain(output)
    const stat1 = JSON.parse((await run(['repo', 'stat', '--json'])).stdout) as { blocks: { bytes: number }, pins: { final: number } }
    expect(stat1.blocks.bytes).toBeGreaterThan(0)
    expect((await run(['repo', 'stat'])).stdout).toMatch(/^content +[\d.]+ (KiB|MiB) in \d+ blocks$/m)

    // Unpinned and collected: gc says how many bytes it gave back.
    expect((await run(['pin', 'rm', output.slice(0, 16)])).code).toBe(0)
    const gc = JSON.parse((await run(['gc', '--json'])).stdout) as { removedBlocks: number, reclaimedBytes: number }
    expect(gc.removedBlocks).toBeGreaterThan(0)
    expect(gc.reclaimedBytes).toBeGreaterThan(0)
    expect((await run(['gc'])).stdout).toBe('reclaimed 0 B: removed 0 blocks, 0 expired pins\n')
    const stat2 = JSON.parse((await run(['repo', 'stat', '--json'])).stdout) as { blocks: { bytes: number } }
    expect(stat2.blocks.bytes).toBe(stat1.blocks.bytes - gc.reclaimedBytes)
    // Gone from this home: an exact CID is looked for, and not found.
    expect((await run(['cat', output])).code).toBe(3)
  })

  it('while a command holds the home, another says to start a daemon to share it', async () => {
    const holder = spawnArtdag(['render', join(dir, 'slow.yaml'), '--home', home], { cwd: dir })
    const out = collectOutput(holder)
    await out.waitFor(/long \(generate\) running/)
    const refused = await run(['pin', 'ls'])
    expect(refused.code).toBe(4)
    expect(refused.stderr).toMatch(/^the home is in use by pid \d+ \(render, since .*\); lock file .*repo\.lock; to run several commands on one home at once, start a daemon \(artdag daemon\): they then all go through it\n$/)
    holder.kill('SIGINT')
    expect(await out.exit).toBe(130)
    await expect(stat(join(home, 'repo.lock'))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('prints the version (--all: Node, platform, ffmpeg, the daemon) and reads and changes the config with no daemon', async () => {
    expect((await run(['version'])).stdout).toMatch(/^artdag +\d+\.\d+\.\d+$/m)
    const all = JSON.parse((await run(['version', '--all', '--json'])).stdout) as Record<string, unknown>
    expect(all).toMatchObject({ node: process.version, platform: `${process.platform}-${process.arch}`, daemon: null, ffmpeg: expect.stringMatching(/\S/) })
    expect((await artdag(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/)

    expect(JSON.parse((await run(['config', 'get', 'exec.slots', '--json'])).stdout)).toEqual({ key: 'exec.slots', value: 0, source: 'default' })
    const set = await run(['config', 'set', 'exec.slots', '2'])
    expect(set.code, set.stderr).toBe(0)
    expect((await run(['config', 'get', 'exec.slots'])).stdout).toMatch(new RegExp(`^source +${join(home, 'config.yaml')}$`, 'm'))
    expect(await readFile(join(home, 'config.yaml'), 'utf8')).toMatch(/^exec:\n {2}slots: 2$/m)
    // Checked before it is written: an invalid value leaves the file as it was.
    const bad = await run(['config', 'set', 'exec.slots', '-1'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/exec\.slots .*: Too small/)
    expect(JSON.parse((await run(['config', 'get', 'exec.slots', '--json'])).stdout).value).toBe(2)
    expect(JSON.parse((await run(['config', 'get', '--json'])).stdout).values.length).toBeGreaterThan(40)
  })
})
