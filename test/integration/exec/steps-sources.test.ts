import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runProcess } from '../../../src/exec/process.ts'
import { createBench, withinFrame } from './fixtures.ts'
import type { Bench } from './fixtures.ts'

/** generate, segment, sequence and transform with real ffmpeg; every output checked with ffprobe. */
describe('source and timing steps', () => {
  let bench: Bench
  let a: string // 2 s, 320×180, 25 fps, sine at 48 kHz
  let b: string // 1 s, 240×240, 30 fps, no audio

  beforeAll(async () => {
    bench = await createBench()
    a = (await bench.render('generate', { duration: 2, width: 320, height: 180, fps: 25 })).file
    b = (await bench.render('generate', { duration: 1, width: 240, height: 240, fps: 30, pattern: 'smptebars', audio: 'none' })).file
  })
  afterAll(async () => {
    await bench.close()
  })

  it('generate: a test pattern with a tone in the intermediate format', async () => {
    const facts = await bench.probe(a)
    expect(facts.formatName).toBe('matroska,webm')
    expect(facts.streams).toHaveLength(2)
    expect(facts.video).toMatchObject({ codec: 'h264', width: 320, height: 180, pixelFormat: 'yuv420p', frameRate: { num: 25, den: 1 } })
    expect(facts.audio).toMatchObject({ codec: 'flac', sampleRate: 48000, channels: 2 })
    expect(facts.frames).toBe(50)
    expect(withinFrame(facts.durationS, 2, 25)).toBe(true)
  })

  it('generate: audio only, noise at 44.1 kHz; a solid colour without sound', async () => {
    const audio = await bench.probe((await bench.render('generate', { duration: 1.5, pattern: 'none', audio: 'noise', sampleRate: 44100 })).file)
    expect(audio.streams).toHaveLength(1)
    expect(audio.audio).toMatchObject({ codec: 'flac', sampleRate: 44100, channels: 2 })
    expect(Math.abs(audio.durationS! - 1.5)).toBeLessThan(0.03)
    const colour = await bench.probe((await bench.render('generate', { duration: 0.4, width: 64, height: 48, fps: 10, pattern: 'color', color: 'navy', audio: 'none' })).file)
    expect(colour.streams).toHaveLength(1)
    expect(colour.frames).toBe(4)
  })

  it('generate: the same config renders the same bytes', async () => {
    const config = { duration: 0.5, width: 128, height: 72, pattern: 'noise', audio: 'noise', seed: 7 }
    const first = await bench.render('generate', config)
    const second = await bench.render('generate', config)
    const { readFile } = await import('node:fs/promises')
    expect(Buffer.compare(await readFile(first.file), await readFile(second.file))).toBe(0)
  })

  it('segment: re-encodes a cut between keyframes to within a frame', async () => {
    const { file, result } = await bench.render('segment', { start: 0.52, duration: 1 }, [a])
    expect(result.ffmpegRuns).toBe(1)
    const facts = await bench.probe(file)
    expect(facts.frames).toBe(25)
    expect(withinFrame(facts.durationS, 1, 25)).toBe(true)
    expect(facts.video).toMatchObject({ width: 320, height: 180 })
    expect(facts.audio).toMatchObject({ codec: 'flac' })
  })

  it('segment: copies the video when the cut is on keyframes, re-encoding only the sound', async () => {
    const { file, result } = await bench.render('segment', { start: 0, end: 2 }, [a])
    expect(result.ffmpegRuns).toBe(2)
    const facts = await bench.probe(file)
    expect(facts.frames).toBe(50)
    expect(withinFrame(facts.durationS, 2, 25)).toBe(true)
    expect(facts.streams).toHaveLength(2)
  })

  it('segment: a cut on mid-clip keyframes copies exactly those frames', async () => {
    // An intermediate-format clip with a keyframe every second, made with plain ffmpeg.
    const gop = join(bench.dir, 'gop.mkv')
    const made = await runProcess(bench.binaries.ffmpeg.path, [
      '-nostdin',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=160x90:r=25:d=4',
      '-f',
      'lavfi',
      '-i',
      'sine=d=4',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '25',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'flac',
      '-y',
      gop
    ], { label: 'ffmpeg', timeoutMs: 30_000 })
    expect(made.exitCode).toBe(0)
    const { file, result } = await bench.render('segment', { start: 1, end: 3 }, [gop])
    expect(result.ffmpegRuns).toBe(2)
    const facts = await bench.probe(file)
    expect(facts.frames).toBe(50)
    expect(withinFrame(facts.durationS, 2, 25)).toBe(true)
    expect(withinFrame(facts.audio?.durationS ?? null, 2, 25)).toBe(true)
  })

  it('segment: copy mode snaps to keyframes and never re-encodes', async () => {
    const { file, result } = await bench.render('segment', { start: 1, duration: 0.5, mode: 'copy' }, [a])
    expect(result.ffmpegRuns).toBe(1)
    const facts = await bench.probe(file)
    // The only keyframe is at 0 and nothing follows the cut: the whole clip.
    expect(facts.frames).toBe(50)
  })

  it("sequence: joins clips of different sizes, rates and audio into the first one's format", async () => {
    const { file } = await bench.render('sequence', {}, [a, b])
    const facts = await bench.probe(file)
    expect(facts.video).toMatchObject({ width: 320, height: 180, frameRate: { num: 25, den: 1 } })
    expect(facts.audio).toMatchObject({ sampleRate: 48000, channels: 2 })
    expect(facts.frames).toBe(75)
    expect(withinFrame(facts.durationS, 3, 25)).toBe(true)
  })

  it('sequence: a configured size and rate, cover fit, silent clip first', async () => {
    const { file } = await bench.render('sequence', { width: 160, height: 160, fps: 30, fit: 'cover', sampleRate: 44100 }, [b, a])
    const facts = await bench.probe(file)
    expect(facts.video).toMatchObject({ width: 160, height: 160, frameRate: { num: 30, den: 1 } })
    expect(facts.audio).toMatchObject({ sampleRate: 44100 })
    expect(withinFrame(facts.videoSeconds, 3, 30)).toBe(true)
    expect(withinFrame(facts.durationS, 3, 30)).toBe(true)
  })

  it('transform: scale, crop, rotate, flip, colour, pad and fps in order', async () => {
    const ops = [
      { op: 'scale', width: 160 },
      { op: 'crop', width: 100, height: 80 },
      { op: 'rotate', degrees: 90 },
      { op: 'flip', direction: 'both' },
      { op: 'color', saturation: 0.5, hue: 30, brightness: 0.1 },
      { op: 'rotate', degrees: 30, expand: true },
      { op: 'pad', width: 200, height: 200, color: 'white' },
      { op: 'fps', fps: 30 }
    ]
    const facts = await bench.probe((await bench.render('transform', { ops }, [a])).file)
    expect(facts.video).toMatchObject({ width: 200, height: 200, frameRate: { num: 30, den: 1 } })
    expect(withinFrame(facts.videoSeconds, 2, 30)).toBe(true)
    expect(facts.audio).not.toBeNull()
  })

  it('transform: speed changes picture and sound together', async () => {
    const fast = await bench.probe((await bench.render('transform', { ops: [{ op: 'speed', factor: 2 }] }, [a])).file)
    expect(fast.frames).toBe(25)
    expect(withinFrame(fast.durationS, 1, 25)).toBe(true)
    expect(withinFrame(fast.audio?.durationS ?? null, 1, 25)).toBe(true)
    const slow = await bench.probe((await bench.render('transform', { ops: [{ op: 'speed', factor: 0.5 }] }, [b])).file)
    expect(slow.frames).toBe(60)
    expect(slow.video?.frameRate).toEqual({ num: 30, den: 1 })
  })
})
