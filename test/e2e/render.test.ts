import { EventEmitter } from 'node:events'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { runCli } from '../../src/cli/program.ts'
import { createEmbeddedNode } from '../../src/node/embedded.ts'
import type { Provenance } from '../../src/engine/provenance.ts'
import { artdag, countingFfmpeg, ffprobe, makeClip, networkModules, RECORD_MODULES, spawnArtdag } from './helpers/cli.ts'

/** `artdag render` as a new user meets it: no daemon, the engine in-process, real ffmpeg. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const HOSTILE = join(ROOT, 'test/fixtures/hostile-recipes')

let dir: string
let home: string
let ffmpeg: Awaited<ReturnType<typeof countingFfmpeg>>
let env: Record<string, string>

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-render-'))
  home = join(dir, 'home')
  ffmpeg = await countingFfmpeg(dir)
  env = { ARTDAG_FFMPEG: ffmpeg.path }
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('artdag render with no daemon', { timeout: 180_000 }, () => {
  let first: { output: string, provenance: string, steps: Array<{ step: string, cached: boolean, cid: string }> }

  it('renders the teaser example to a playable MP4 and reports its provenance', async () => {
    const out = join(dir, 'teaser.mp4')
    const result = await artdag(['render', 'examples/teaser.yaml', '-o', out, '--home', home, '--json'], { cwd: ROOT, env })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    first = JSON.parse(result.stdout)
    expect(first.steps).toHaveLength(7)
    expect(first.steps.every(step => !step.cached)).toBe(true)
    expect((await ffmpeg.runs()).length).toBeGreaterThanOrEqual(7)

    const facts = await ffprobe(out)
    // bars 3 s + pattern 4 s + fractal 2 s at double speed: 8 s, within one frame at 25 fps.
    expect(Math.abs(facts.durationS - 8)).toBeLessThanOrEqual(1 / 25 + 0.03)
    expect(facts.streams).toHaveLength(2)
    expect(facts.streams.find(s => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360, r_frame_rate: '25/1' })
    expect(facts.streams.find(s => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' })

    // The provenance record is in the home's store: the recipe, every step's config and CIDs, ffmpeg's version.
    const node = await createEmbeddedNode({ home })
    try {
      const record = await node.content.getJson<Provenance>(CID.parse(first.provenance))
      expect(record).toMatchObject({ kind: 'artdag/provenance', output: first.output, recipe: { name: 'teaser' }, ffmpeg: { version: expect.stringMatching(/\S/) } })
      expect(record.steps.map(step => step.id).toSorted()).toEqual(first.steps.map(step => step.step).toSorted())
      const out = record.steps.find(step => step.id === 'out')
      expect(out).toMatchObject({ type: 'encode', output: first.output, config: { codec: 'h264', crf: 26 } })
      expect(out?.inputs).toEqual([record.steps.find(step => step.id === 'joined')?.output])
    } finally {
      await node.stop()
    }
    // The workspaces are gone.
    expect(await readdir(join(home, 'work'))).toEqual([])
  })

  it('renders the same recipe again from cache: every step CACHED, no ffmpeg, the same CID, the same JSON shape, nothing of the network or of running a step loaded', async () => {
    const before = (await ffmpeg.runs()).length
    const out = join(dir, 'teaser-again.mp4')
    const modules = join(dir, 'modules-cached.txt')
    const result = await artdag(['render', 'examples/teaser.yaml', '-o', out, '--home', home, '--json'], { cwd: ROOT, env: { ...env, NODE_OPTIONS: `--import ${RECORD_MODULES}`, RECORD_MODULES_TO: modules } })
    expect(result.code).toBe(0)
    const second = JSON.parse(result.stdout)
    expect(second.output).toBe(first.output)
    expect(second.steps.map((s: { cached: boolean }) => s.cached)).toEqual(first.steps.map(() => true))
    expect((await ffmpeg.runs()).length).toBe(before)
    expect(await readFile(out)).toEqual(await readFile(join(dir, 'teaser.mp4')))
    // The same answer as the first render's, key for key (only the values of a cached run differ; `log`,
    // the CID of a run's ffmpeg log, is there for the steps that ran).
    const keysOf = (step: object): string[] => Object.keys(step).filter(key => key !== 'log').toSorted()
    expect(Object.keys(second).toSorted()).toEqual(Object.keys(first).toSorted())
    expect(second.steps.map(keysOf)).toEqual(first.steps.map(keysOf))
    // Its provenance record says ffmpeg's version as the first one did, and that every step came from the cache.
    const node = await createEmbeddedNode({ home })
    try {
      const record = await node.content.getJson<Provenance>(CID.parse(second.provenance))
      const firstRecord = await node.content.getJson<Provenance>(CID.parse(first.provenance))
      expect(record.ffmpeg).toEqual(firstRecord.ffmpeg)
      expect(record.steps.every(step => step.cached)).toBe(true)
    } finally {
      await node.stop()
    }
    // A render on this machine needs the home's stores alone: libp2p, the DHT, gossipsub, bitswap are never loaded,
    // nor Helia (offline it adds nothing to the stores) nor libp2p's keys (issue 11: a cached render's start).
    const recorded = await readFile(modules, 'utf8')
    expect(networkModules(recorded)).toEqual([])
    expect(recorded.split('\n').filter(line => /\/node_modules\/(helia|@helia\/utils|@libp2p\/crypto|@noble\/curves)\//.test(line))).toEqual([])
    // Nor what only some commands need (the third round of issue 11): blockstore-fs's globbing (gc), the
    // importer's chunkers (an add), the multiaddr parser (an address other than /ip4/…/tcp/…), pino (a line to log).
    expect(recorded.split('\n').filter(line => /\/node_modules\/(it-glob|fast-glob|rabin-wasm|@multiformats\/multiaddr|pino)\//.test(line))).toEqual([])
    // With no daemon's socket there, nothing of the API's client and schemas either (src/api/light/index.ts finds the home).
    expect(recorded.split('\n').filter(line => /\/src\/api\/(client|schemas|events|routes|transport)\.ts$/.test(line))).toEqual([])
    // Nor what only a step that runs, or a network, needs (the fifth round): the coordinator, its driver and
    // the lease table (every step is cached: nothing to schedule), what runs a step (the executor, the spawner,
    // the probe), the wire's messages and the DHT's records, the UnixFS decoder (the output is one raw block),
    // the fetch queue, and datastore-core's entry with @libp2p/logger and its debug library.
    expect(
      recorded.split('\n').filter(line =>
        /\/src\/(jobs|lease)\/|\/src\/exec\/(index|execute|runner|spawns|probe|doctor|hardware)\.ts$|\/src\/exec\/spawner\/|\/src\/protocol\/(index\.ts|messages\/)|\/src\/store\/(index|cache-records|cache-republisher)\.ts$/.test(line)
      )
    ).toEqual([])
    expect(recorded.split('\n').filter(line => /\/node_modules\/(ipfs-unixfs|protons-runtime|p-queue|@libp2p\/logger|weald)\/|\/node_modules\/datastore-core\/dist\/src\/index\.js$/.test(line))).toEqual([])
  })

  it('loads nothing of the network for steps it runs either', async () => {
    const modules = join(dir, 'modules-first.txt')
    const result = await artdag(['render', 'test/fixtures/recipes/text-literal.yaml', '-o', join(dir, 'text.mp4'), '--home', join(dir, 'home-text'), '--json'], {
      cwd: ROOT,
      env: { ...env, NODE_OPTIONS: `--import ${RECORD_MODULES}`, RECORD_MODULES_TO: modules }
    })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout).steps.every((s: { cached: boolean }) => !s.cached)).toBe(true)
    const recorded = await readFile(modules, 'utf8')
    // The record is real: the engine and the home's stores were loaded.
    expect(recorded).toMatch(/\/src\/engine\/embedded-render\.ts/)
    expect(recorded).toMatch(/\/node_modules\/blockstore-fs\//)
    expect(networkModules(recorded)).toEqual([])
  })

  it('renders a recipe that takes a file, given with --input relative to the current directory', async () => {
    await makeClip(join(dir, 'holiday.mp4'), { seconds: 6 })
    const out = join(dir, 'short.mp4')
    const result = await artdag(['render', join(ROOT, 'examples/trim.yaml'), '--input', 'clip=holiday.mp4', '-o', 'short.mp4', '--home', home, '--json'], { cwd: dir, env })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const facts = await ffprobe(out)
    expect(Math.abs(facts.durationS - 3)).toBeLessThanOrEqual(1 / 25 + 0.03)
    expect(facts.streams.find(s => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 })
  })

  it('names a missing input file without starting ffmpeg', async () => {
    const before = (await ffmpeg.runs()).length
    const result = await artdag(['render', 'examples/trim.yaml', '--home', home], { cwd: ROOT, env })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/input clip: file .*examples\/clip\.mp4 does not exist/)
    expect((await ffmpeg.runs()).length).toBe(before)
  })

  it('cancels on Ctrl-C: ffmpeg is killed, the workspace removed, nothing written', async () => {
    const slowHome = join(dir, 'slow-home')
    const out = join(dir, 'never.mp4')
    const recipe = join(dir, 'slow.yaml')
    const { writeFile } = await import('node:fs/promises')
    await writeFile(recipe, 'version: 1\nname: slow\nnodes:\n  long: { type: generate, config: { pattern: mandelbrot, duration: 600, width: 1280, height: 720 } }\noutput: long\n')
    const earlier = (await ffmpeg.runs()).length
    const child = spawnArtdag(['render', recipe, '-o', out, '--home', slowHome], { env })
    // Wait for this render's ffmpeg to start: its pid appears in the log.
    let pid: number | undefined
    const deadline = Date.now() + 60_000
    while (pid == null && Date.now() < deadline) {
      const runs = (await ffmpeg.runs()).slice(earlier)
      const line = runs.find(run => run.includes('mandelbrot'))
      if (line != null) pid = Number(line.split(' ')[0])
      else await new Promise(resolve => setTimeout(resolve, 50))
    }
    expect(pid).toBeTypeOf('number')
    const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(() => process.kill(pid as number, 0)).toThrow()
    expect(await readdir(join(slowHome, 'work'))).toEqual([])
    await expect(stat(out)).rejects.toThrow()
  })
})

describe('hostile recipes', { timeout: 120_000 }, () => {
  it('are all rejected with the expected error naming the node and field, and none starts ffmpeg', async () => {
    const expected = JSON.parse(await readFile(join(HOSTILE, 'expected.json'), 'utf8')) as { files: Record<string, { error: string, message: string }> }
    const files = Object.entries(expected.files)
    expect(files.length).toBeGreaterThanOrEqual(15)
    const before = (await ffmpeg.runs()).length
    for (const [file, want] of files) {
      const stdout = new PassThrough()
      const stderr = new PassThrough()
      let err = ''
      stderr.on('data', chunk => {
        err += String(chunk)
      })
      const code = await runCli(['render', join(HOSTILE, file), '--home', join(dir, 'hostile-home'), '--json', '-o', join(dir, 'hostile.mp4')], {
        io: { stdout, stderr, stdin: new PassThrough(), env: { ...process.env, ...env, ARTDAG_HOME: '' }, cwd: dir, homedir: dir },
        signals: Object.assign(new EventEmitter(), {
          exit: (c: number): never => {
            throw new Error(`exit ${c}`)
          }
        })
      })
      const body = JSON.parse(err) as { error: { name: string, kind: string, message: string } }
      expect(body.error.name, file).toBe(want.error)
      // Invalid input exits 2; a recipe over a size limit is `too_large` and exits 5.
      expect(code, file).toBe(body.error.kind === 'too_large' ? 5 : 2)
      expect(body.error.message, file).toContain(want.message)
    }
    expect((await ffmpeg.runs()).length).toBe(before)
  })
})
