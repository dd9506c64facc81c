import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FFMPEG, FFPROBE } from './helpers/cli.ts'
import { eventually, initHomes, startCluster } from './helpers/daemon.ts'
import type { Daemon } from './helpers/daemon.ts'
import type { RenderResult } from '../../src/api/outputs.ts'

/**
 * Issue 10, end to end: `artdag transcode` on two real daemons. The source
 * is analysed and expanded on the submitting node, its chunks run as
 * ordinary steps across the cluster, and the joined file has every frame;
 * the same transcode submitted from the other node is all cached.
 */
const run = promisify(execFile)

let dir: string
let daemons: Daemon[]
let source: string

async function frames (file: string): Promise<number> {
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-count_packets', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file])
  return Number(stdout.trim())
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-transcode-'))
  source = join(dir, 'film.mkv')
  // 6 s, a keyframe every second, B-frames, sound.
  await run(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25:d=6', '-f', 'lavfi', '-i', 'sine=d=6', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-bf', '2', '-c:a', 'aac', source])
  const homes = await initHomes(dir, ['a', 'b'])
  daemons = await startCluster(homes)
  for (const d of daemons) await eventually(async () => (await d.json(['status'])).membership.alive === 1, { what: 'a cluster of two' })
}, 120_000)

afterAll(async () => {
  await Promise.all((daemons ?? []).map(async d => {
    await d.stop()
  }))
  await rm(dir, { recursive: true, force: true })
})

describe('artdag transcode on a cluster', () => {
  it('splits the source into chunk steps, runs them, and joins every frame', async () => {
    const [a, b] = daemons as [Daemon, Daemon]
    const out = join(dir, 'film.mp4')
    const done = await a.json<RenderResult>(['transcode', source, '-o', out, '--crf', '30', '--preset', 'veryfast', '--chunk-seconds', '1', '--wait'], { cwd: dir })
    expect(done.state).toBe('completed')
    const chunks = done.steps.filter(s => s.type === 'transcode_chunk')
    expect(chunks.length).toBe(6)
    expect(done.steps.filter(s => s.type === 'transcode_audio')).toHaveLength(1)
    // The join runs on the submitter, which keeps a copy of every part: no part and no output crosses again.
    expect(done.steps.filter(s => s.type === 'transcode_join').map(s => s.peer)).toEqual([a.peerId])
    expect(await frames(out)).toBe(150)
    const { stderr } = await run(FFMPEG, ['-v', 'error', '-i', out, '-f', 'null', '-'])
    expect(stderr).toBe('')

    // The same transcode from the other node: the analysis, the sound copied out of the source (the same
    // CID, so the same sound step) and every chunk are found in the cluster's cache.
    const again = await b.json<RenderResult>(['transcode', source, '--crf', '30', '--preset', 'veryfast', '--chunk-seconds', '1', '--wait'], { cwd: dir })
    expect(again.state).toBe('completed')
    expect(again.output).toBe(done.output)
    expect(again.steps.filter(s => s.type === 'transcode_chunk').every(s => s.cached)).toBe(true)
    expect(again.steps.filter(s => s.type === 'transcode_audio').map(s => s.cached)).toEqual([true])
  }, 240_000)

  it('refuses bad input before any work, with the reason', async () => {
    const [a] = daemons as [Daemon]
    const notMedia = await a.cli(['transcode', join(dir, 'a', 'swarm.key'), '--chunk-seconds', '2'], { cwd: dir })
    expect(notMedia.code).not.toBe(0)
    expect(notMedia.stderr).toMatch(/not a media file/)
    const badLength = await a.cli(['transcode', source, '--chunk-seconds', '9000'], { cwd: dir })
    expect(badLength.code).toBe(2)
    expect(badLength.stderr).toMatch(/--chunk-seconds/)
    const missing = await a.cli(['transcode', source, '--hardware', 'nvenc'], { cwd: dir })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/no node of the cluster can encode h264_nvenc/)
    // Only the two transcodes of the test above were ever submitted.
    expect((await a.json<{ jobs: unknown[] }>(['jobs'])).jobs.length).toBe(2)
  }, 120_000)
})
