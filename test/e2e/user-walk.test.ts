import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { artdag, collectOutput, spawnArtdag } from './helpers/cli.ts'
import { Daemon, FAST_ENV, initHomes } from './helpers/daemon.ts'

/**
 * What a new user ran into following README.md on a clean clone: a second
 * daemon on the same machine (the same home, the same port), `artdag get` with
 * a job id and with `-o` naming a directory (one that exists, one that does
 * not, with spaces and non-ASCII letters in it), and an input file of 0 bytes.
 * Each is refused with what is wrong and what to do, or does what was meant.
 */

let dir: string
let homes: string[]
let daemon: Daemon

const TINY = 'version: 1\nname: tiny\nnodes:\n  bars: { type: generate, config: { duration: 1, width: 160, height: 90 } }\n  out: { type: encode, inputs: [bars], config: { crf: 35, preset: ultrafast } }\noutput: out\n'
const WITH_INPUT = 'version: 1\nname: cut\ninputs:\n  clip: ./clip.mp4\nnodes:\n  out: { type: segment, inputs: [clip], config: { start: 0, duration: 1 } }\noutput: out\n'

const SILENT_MUX =
  'version: 1\nname: silent\nnodes:\n  pic: { type: generate, config: { duration: 1, width: 160, height: 90 } }\n  snd: { type: generate, config: { duration: 1, width: 160, height: 90, pattern: smptebars, audio: none } }\n  both: { type: mux, inputs: [pic, snd] }\noutput: both\n'

const SLOW = 'version: 1\nname: slow\nnodes:\n  long: { type: generate, config: { pattern: mandelbrot, duration: 120, width: 640, height: 360 } }\noutput: long\n'

const env = { ...FAST_ENV }
const run = async (args: string[], home = homes[0] as string): Promise<{ code: number, stdout: string, stderr: string }> => await artdag([...args, '--home', home], { cwd: dir, env })

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-user-walk-'))
  homes = await initHomes(dir, ['first', 'second'])
  await writeFile(join(dir, 'tiny.yaml'), TINY)
  await writeFile(join(dir, 'cut.yaml'), WITH_INPUT)
  await writeFile(join(dir, 'empty.mp4'), '')
  await writeFile(join(dir, 'silent.yaml'), SILENT_MUX)
  await writeFile(join(dir, 'notes.mp4'), 'not a video\n')
  await writeFile(join(dir, 'slow.yaml'), SLOW)
  daemon = await Daemon.start(homes[0] as string)
})

afterAll(async () => {
  await daemon?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('a new user on one machine', { timeout: 180_000 }, () => {
  it('a second daemon on a home or a port already taken says so and how to run another, and leaves the home as it was', async () => {
    const sameHome = await run(['daemon', '--listen', '/ip4/127.0.0.1/tcp/0'])
    expect(sameHome.code, sameHome.stderr).toBe(4)
    expect(sameHome.stderr).toMatch(
      /the home is in use by pid \d+ \(daemon, since .*\); lock file .*; a daemon already runs on this home \(artdag status shows it\): stop it first, or give a second daemon its own home and port \(artdag init --home DIR/
    )
    expect(sameHome.stderr).not.toContain('starting or stopping')

    const taken = (daemon.addresses[0] as string).replace(/\/p2p\/.*$/, '')
    const port = Number(/\/tcp\/(\d+)$/.exec(taken)?.[1])
    const samePort = await run(['daemon', '--listen', taken], homes[1])
    expect(samePort.code, samePort.stderr).toBe(4)
    expect(samePort.stderr).toContain(
      `cannot listen on ${taken}: the port is in use (another artdag daemon, or another program, listens there); give this daemon another port (--listen, or node.listen in the home's config.yaml), e.g. --listen /ip4/127.0.0.1/tcp/${
        port + 1
      }`
    )
    expect(samePort.stderr).not.toContain('faultTolerance')
    // It let go of its home: no lock, no socket left behind.
    expect((await readdir(homes[1] as string)).filter(name => name === 'repo.lock' || name === 'artdag.sock')).toEqual([])
    expect((await daemon.json(['status'])).peer).toBe(daemon.peerId)
  })

  it('get takes a job id for its output, and -o a directory; a directory that does not exist is refused before anything is written', async () => {
    const submitted = await run(['submit', 'tiny.yaml', '--wait', '-o', 'tiny.mp4', '--json'])
    expect(submitted.code, submitted.stderr).toBe(0)
    const { job, output } = JSON.parse(submitted.stdout) as { job: string, output: string }
    const rendered = await readFile(join(dir, 'tiny.mp4'))

    const outDir = join(dir, 'sorties é')
    await mkdir(outDir)
    const byJob = await run(['get', job.slice(0, 16), '-o', 'sorties é/', '--json'])
    expect(byJob.code, byJob.stderr).toBe(0)
    expect(JSON.parse(byJob.stdout)).toMatchObject({ cid: output, path: join(outDir, `${output}.mp4`) })
    expect(await readFile(join(outDir, `${output}.mp4`))).toEqual(rendered)
    // The directory without the slash, and a file in it.
    expect((await run(['get', output.slice(0, 16), '-o', 'sorties é'])).code).toBe(0)
    const named = await run(['get', output.slice(0, 16), '-o', 'sorties é/un film.mp4'])
    expect(named.code, named.stderr).toBe(0)
    expect(await readFile(join(outDir, 'un film.mp4'))).toEqual(rendered)

    const missing = await run(['get', output, '-o', 'nowhere/x.mp4'])
    expect(missing).toMatchObject({ code: 2, stdout: '' })
    expect(missing.stderr).toBe(`-o nowhere/x.mp4: the directory ${join(dir, 'nowhere')} does not exist; create it first\n`)
    const missingDir = await run(['get', output, '-o', 'nowhere/'])
    expect(missingDir.code).toBe(2)
    expect(missingDir.stderr).toContain(`the directory ${join(dir, 'nowhere')} does not exist; create it first`)
    await expect(stat(join(dir, 'nowhere'))).rejects.toThrow(/ENOENT/)

    // render and submit: -o a directory is refused before any work (it failed with EISDIR after the render).
    const toDir = await run(['render', 'tiny.yaml', '-o', 'sorties é'])
    expect(toDir).toMatchObject({ code: 2, stdout: '' })
    expect(toDir.stderr).toBe(`-o ${outDir}: is a directory; name the file in it (-o ${join(outDir, 'out.mp4')}; nothing was rendered)\n`)
    const toSlash = await run(['submit', 'tiny.yaml', '--wait', '-o', 'nowhere/'])
    expect(toSlash.code).toBe(2)
    expect(toSlash.stderr).toBe('-o nowhere/: names a directory; name the file in it (-o nowhere/out.mp4, say)\n')
    // transcode too, before the source is uploaded (it failed after the whole transcode).
    const jobs = (await daemon.json(['jobs'])).jobs.length
    const transcodeToDir = await run(['transcode', 'tiny.mp4', '-o', 'sorties é'])
    expect(transcodeToDir.code).toBe(2)
    expect(transcodeToDir.stderr).toBe(`-o ${outDir}: is a directory; name the file in it (-o ${join(outDir, 'transcode.mp4')}; nothing was rendered)\n`)
    const transcodeNowhere = await run(['transcode', 'tiny.mp4', '-o', 'nowhere/film.mp4'])
    expect(transcodeNowhere.code).toBe(2)
    expect(transcodeNowhere.stderr).toMatch(/^-o .*nowhere\/film\.mp4: the directory .*nowhere does not exist; create it first/)
    expect((await daemon.json(['jobs'])).jobs.length).toBe(jobs)
    await expect(stat(join(dir, 'nowhere'))).rejects.toThrow(/ENOENT/)

    // Cancelling a job that has completed leaves it completed, and says so and what to do instead.
    const late = await run(['cancel', job.slice(0, 16)])
    expect(late.code, late.stderr).toBe(0)
    expect(late.stdout).toBe(`${job} had already completed: nothing to cancel (artdag get ${job.slice(0, 16)} saves its output)\n`)
  })

  it('an input file of 0 bytes is refused before it is uploaded or run, naming it; with a daemon and without', async () => {
    const before = (await daemon.json(['jobs'])).jobs.length
    const submitted = await run(['submit', 'cut.yaml', '--input', 'clip=empty.mp4', '--wait'])
    expect(submitted.code).toBe(2)
    expect(submitted.stderr).toBe(`input clip: file ${join(dir, 'empty.mp4')} is empty (0 bytes) (given with --input): no step can read it; give the finished file (a video, a sound or a picture)\n`)
    const transcoded = await run(['transcode', 'empty.mp4', '-o', 'film.mp4'])
    expect(transcoded.code).toBe(2)
    expect(transcoded.stderr).toMatch(/^empty\.mp4 is empty \(0 bytes\): no step can read it/)
    expect((await daemon.json(['jobs'])).jobs.length).toBe(before)

    // No daemon on the second home: the render runs here, and refuses it the same way.
    const rendered = await run(['render', 'cut.yaml', '--input', 'clip=empty.mp4'], homes[1])
    expect(rendered.code).toBe(2)
    expect(rendered.stderr).toContain(`input clip: file ${join(dir, 'empty.mp4')} is empty (0 bytes): no step can read it`)
  })

  it("a step given no sound where it needs one, or no media at all, names which of its inputs it is, by the recipe's name, once", async () => {
    const rendered = await run(['render', 'silent.yaml'], homes[1])
    expect(rendered.code).toBe(1)
    expect(rendered.stderr).toMatch(/^step both \(mux\) failed: the output of step "snd" \(\w+\) has no audio stream, and mux needs one there$/m)

    // A file that is no media at all: named once, with ffprobe's reason, and the file it came from
    // (the engine knows the input only by its CID; the CLI knows the file).
    const notMedia = await run(['render', 'cut.yaml', '--input', 'clip=notes.mp4'], homes[1])
    expect(notMedia.code).toBe(1)
    const line = notMedia.stderr.trim().split('\n').at(-1) as string
    expect(line.startsWith(`render failed on input clip (${join(dir, 'notes.mp4')}, given with --input): `)).toBe(true)
    expect(line).toMatch(/: step out \(segment\) failed: input "clip" \(\w+\) is not a media file ffmpeg can read \(ffprobe: Invalid data found when processing input\)$/)
  })

  it('submit --wait whose daemon dies says the daemon stopped while it followed the job, and how to follow it again', async () => {
    const second = await Daemon.start(homes[1] as string)
    try {
      const follow = collectOutput(spawnArtdag(['submit', 'slow.yaml', '--wait', '--home', second.home], { cwd: dir, env }))
      await follow.waitFor(/long \(generate\) running/)
      await second.kill()
      expect(await follow.exit, follow.stderr()).toBe(7)
      const job = /job (\w+) submitted/.exec(follow.stderr())?.[1] as string
      expect(follow.stderr().trim().split('\n').at(-1)).toBe(
        `the daemon stopped while following job ${job.slice(0, 16)}; the job goes on on the other nodes of the cluster: start the daemon again and artdag watch ${job.slice(0, 16)} follows it (or artdag job ${
          job.slice(0, 16)
        } on another node)`
      )
    } finally {
      await second.kill()
    }
  })
})
