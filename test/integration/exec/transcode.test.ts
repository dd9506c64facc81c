import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expandTranscode, soundToCopy } from '../../../src/plan/transcode/expand.ts'
import { createBench } from './fixtures.ts'
import type { Bench } from './fixtures.ts'

/**
 * Issue 10: the transcode executors on sources made to be hard. Each source
 * is analysed, expanded into chunks of about a second, every chunk, the sound
 * and the join are rendered, and the output is checked with ffprobe and
 * decoded by an independent ffmpeg (Debian's, when installed).
 */
const run = promisify(execFile)
const REFERENCE_FFMPEG = existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : undefined

let bench: Bench

interface Stream {
  codec_type: string
  start_time?: string
  duration?: string
}

async function streams (file: string): Promise<{ video: Stream, audio: Stream | undefined, frames: number, pts: number[] }> {
  const probe = bench.binaries.ffprobe.path
  const { stdout } = await run(probe, ['-v', 'error', '-show_streams', '-of', 'json', file])
  const list = (JSON.parse(stdout) as { streams: Stream[] }).streams
  const packets = await run(probe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file], { maxBuffer: 64 * 1024 * 1024 })
  const pts = packets.stdout.trim().split('\n').map(Number).sort((a, b) => a - b)
  return { video: list.find(s => s.codec_type === 'video') as Stream, audio: list.find(s => s.codec_type === 'audio'), frames: pts.length, pts }
}

/** The decoded samples of a file's first audio stream (16-bit, as ffmpeg decodes them). */
async function samples (file: string): Promise<Buffer> {
  const { stdout } = await run(bench.binaries.ffmpeg.path, ['-v', 'error', '-i', file, '-map', '0:a:0', '-f', 's16le', '-'], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 })
  return stdout
}

/**
 * As the cluster does it: the source analysed and its sound copied out next to
 * the analysis (transcode_sound), the sound encoded from that copy, every
 * chunk from the source. The sound encoded from the copy is checked against
 * the sound encoded from the whole source: the same samples.
 */
async function transcode (source: string, config: Record<string, unknown>): Promise<{ out: string, chunks: number }> {
  const { file: analysisFile } = await bench.render('analyze', { keyframes: true }, [source])
  const facts = JSON.parse(await readFile(analysisFile, 'utf8')) as unknown
  const target = { node: 'out', input: 'source' }
  const stream = soundToCopy(target, config, facts)
  const sound = stream != null ? (await bench.render('transcode_sound', { stream }, [source])).file : undefined
  const expanded = expandTranscode(target, config, { cid: 'unused', facts, ...(sound != null ? { sound: 'copied' } : {}) })
  const files = new Map<string, string>([['source', source], ...(sound != null ? [['out-sound', sound] as [string, string]] : [])])
  const outputs = new Map<string, string>()
  for (const [id, node] of Object.entries(expanded.nodes)) {
    if (node.type === 'transcode_join') continue
    outputs.set(id, (await bench.render(node.type, node.config, node.inputs.map(i => files.get(i) as string))).file)
  }
  const audio = expanded.nodes['out-audio']
  if (sound != null && audio != null) {
    expect(audio.inputs).toEqual(['out-sound'])
    const fromSource = expandTranscode(target, config, { cid: 'unused', facts }).nodes['out-audio']!
    const { file } = await bench.render(fromSource.type, fromSource.config, [source])
    expect((await samples(outputs.get('out-audio') as string)).equals(await samples(file))).toBe(true)
  }
  const join = expanded.nodes.out!
  const { file } = await bench.render('transcode_join', join.config, join.inputs.map(i => outputs.get(i) as string))
  return { out: file, chunks: expanded.chunks.length }
}

async function decodeErrors (file: string): Promise<string> {
  const results = await Promise.all([bench.binaries.ffmpeg.path, REFERENCE_FFMPEG].filter(f => f != null).map(async ffmpeg => (await run(ffmpeg, ['-v', 'error', '-i', file, '-f', 'null', '-'])).stderr))
  return results.join('')
}

/** The seamless checks of the issue, against the source. */
async function expectSeamless (source: string, out: string, fps: number, audio: boolean): Promise<void> {
  const src = await streams(source)
  const got = await streams(out)
  expect(got.frames).toBe(src.frames)
  // Every frame keeps its time (relative to the first), to the millisecond the source's time base allows.
  const first = src.pts[0] as number
  got.pts.forEach((t, i) => {
    expect(Math.abs(t - ((src.pts[i] as number) - first))).toBeLessThan(0.0015)
  })
  const videoEnd = Number(got.video.start_time) + Number(got.video.duration)
  const sourceSpan = (src.pts.at(-1) as number) - first + 1 / fps
  expect(Math.abs(videoEnd - sourceSpan)).toBeLessThanOrEqual(1 / fps + 1e-3)
  expect(got.audio != null).toBe(audio)
  if (got.audio != null) {
    expect(Number(got.audio.start_time)).toBeCloseTo(Number(got.video.start_time), 3)
    // Within one AAC frame (1024 samples).
    expect(Math.abs(Number(got.audio.start_time) + Number(got.audio.duration) - videoEnd)).toBeLessThanOrEqual(1024 / 44100 + 1e-3)
  }
  expect(await decodeErrors(out)).toBe('')
}

async function generate (name: string, args: string[]): Promise<string> {
  const file = join(bench.dir, name)
  await run(bench.binaries.ffmpeg.path, ['-v', 'error', '-y', ...args, file])
  return file
}

beforeAll(async () => {
  bench = await createBench()
})
afterAll(async () => {
  await bench?.close()
})

describe('transcode executors on hard sources', () => {
  it('B-frames and a 250-frame keyframe interval', async () => {
    const source = await generate('gop250.mp4', [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=320x240:r=50:d=7.3',
      '-f',
      'lavfi',
      '-i',
      'sine=d=7.3:r=44100',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '250',
      '-bf',
      '3',
      '-c:a',
      'aac',
      '-shortest'
    ])
    const { out, chunks } = await transcode(source, { chunkSeconds: 2, preset: 'veryfast' })
    expect(chunks).toBe(2)
    await expectSeamless(source, out, 50, true)
  }, 120_000)

  it('variable frame rate, no audio', async () => {
    const source = await generate('vfr.mkv', ['-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=30:d=5', '-vf', "setpts='(N+0.4*sin(N))/30/TB'", '-vsync', 'vfr', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '15', '-bf', '2'])
    const { out, chunks } = await transcode(source, { chunkSeconds: 1, preset: 'veryfast' })
    expect(chunks).toBeGreaterThan(3)
    await expectSeamless(source, out, 30, false)
  }, 120_000)

  it('audio on only part of the file, an odd size', async () => {
    const source = await generate('partial.mkv', [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=318x240:r=25:d=5',
      '-itsoffset',
      '1',
      '-f',
      'lavfi',
      '-i',
      'sine=d=2.5:r=44100',
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '25',
      '-c:a',
      'aac'
    ])
    const { out } = await transcode(source, { chunkSeconds: 1, preset: 'veryfast' })
    await expectSeamless(source, out, 25, true)
  }, 120_000)

  it('opus sound in Matroska (read from the source: a copy would lose the trimming of its last frame)', async () => {
    const source = await generate('opus.mkv', ['-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25:d=3.2', '-f', 'lavfi', '-i', 'sine=d=3.2:r=48000', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-c:a', 'libopus', '-shortest'])
    const { out } = await transcode(source, { chunkSeconds: 1, preset: 'veryfast' })
    await expectSeamless(source, out, 25, true)
  }, 120_000)

  it('an odd duration at 29.97 fps', async () => {
    const source = await generate('odd.mp4', ['-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=30000/1001:d=4.37', '-f', 'lavfi', '-i', 'sine=d=4.37:r=44100', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-c:a', 'aac', '-shortest'])
    const { out } = await transcode(source, { chunkSeconds: 1, preset: 'veryfast' })
    await expectSeamless(source, out, 30000 / 1001, true)
  }, 120_000)

  it('a video whose first keyframe is not at 0 (it starts 2.5 s after the sound)', async () => {
    const source = await generate('late.mkv', [
      '-itsoffset',
      '2.5',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=320x240:r=25:d=4',
      '-f',
      'lavfi',
      '-i',
      'sine=d=7:r=44100',
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '20',
      '-bf',
      '2',
      '-c:a',
      'aac'
    ])
    const { out } = await transcode(source, { chunkSeconds: 1, preset: 'veryfast' })
    await expectSeamless(source, out, 25, true)
  }, 120_000)
})
