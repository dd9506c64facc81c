import { execFile } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { artdag, collectOutput, FFMPEG, makeFilm, pacedFfmpeg, spawnArtdag, videoFrames } from './helpers/cli.ts'
import type { RenderResult } from '../../src/api/index.ts'

/**
 * Issue 10, "resumable", with no daemon: `artdag transcode` runs on this
 * machine; Ctrl-C once some chunks are done stops it, and the same command
 * again encodes only the chunks that were not done (the others are cache
 * hits), then writes a file with every frame. A stand-in ffmpeg encodes the
 * chunks at the source's pace, so the interrupt lands mid-transcode.
 */
const run = promisify(execFile)
const SECONDS = 10
const FRAMES = SECONDS * 25

let dir: string
let home: string
let source: string
let ffmpeg: Awaited<ReturnType<typeof pacedFfmpeg>>
let env: Record<string, string>

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-transcode-interrupt-'))
  source = join(dir, 'film.mkv')
  await makeFilm(source, SECONDS)
  home = join(dir, 'home')
  const init = await artdag(['init', '--home', home])
  expect(init.code).toBe(0)
  ffmpeg = await pacedFfmpeg(dir)
  env = { ARTDAG_FFMPEG: ffmpeg.path, ARTDAG_EXEC__SLOTS: '2' }
}, 60_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('artdag transcode with no daemon, interrupted', () => {
  it('encodes only the missing chunks when run again', async () => {
    const out = join(dir, 'film.mp4')
    const args = ['transcode', source, '-o', out, '--crf', '30', '--preset', 'veryfast', '--chunk-seconds', '1', '--home', home]
    // stderr is a pipe: the live display prints a line per event.
    const first = spawnArtdag(args, { env })
    const output = collectOutput(first)
    await output.waitFor(/-chunk-\d{3} \(transcode_chunk\) completed[\s\S]*-chunk-\d{3} \(transcode_chunk\) completed/, 90_000)
    // The live display (a line per event: stderr is a pipe) gives the transcode's frames line.
    await output.waitFor(new RegExp(`frames \\d+/${FRAMES} \\(\\d+%\\) · [\\d.]+ fps · ETA \\d+:\\d{2}`), 90_000)
    first.kill('SIGINT')
    expect(await output.exit).toBe(130)
    expect(output.stderr()).toMatch(/render stopped/)
    await expect(stat(out)).rejects.toThrow()
    const doneBefore = new Set([...output.stderr().matchAll(/(\S+-chunk-\d{3}) \(transcode_chunk\) completed/g)].map(m => m[1] as string))
    const runsBefore = (await ffmpeg.chunkRuns()).length

    const again = await artdag([...args, '--json'], { env })
    expect(again.code, again.stderr).toBe(0)
    const result = JSON.parse(again.stdout) as RenderResult
    const chunks = result.steps.filter(s => s.type === 'transcode_chunk')
    expect(chunks).toHaveLength(SECONDS)
    const cached = chunks.filter(s => s.cached).map(s => s.step)
    const encoded = chunks.filter(s => !s.cached).map(s => s.step)
    // Every chunk finished before Ctrl-C is a cache hit; the rest are encoded now, each once.
    for (const step of doneBefore) expect(cached).toContain(step)
    expect(encoded.length).toBeGreaterThan(0)
    // The JSON lists each chunk's frames, and the speed of the ones encoded now.
    expect(chunks.reduce((sum, s) => sum + (s.frames ?? 0), 0)).toBe(FRAMES)
    for (const chunk of chunks) expect(chunk.fps == null).toBe(chunk.cached)
    expect((await ffmpeg.chunkRuns()).slice(runsBefore).sort()).toEqual(encoded.sort())

    expect(await videoFrames(out)).toBe(FRAMES)
    const { stderr } = await run(FFMPEG, ['-v', 'error', '-i', out, '-f', 'null', '-'])
    expect(stderr).toBe('')
  }, 240_000)
})
