import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBench, withinFrame } from './fixtures.ts'
import type { Bench } from './fixtures.ts'

/** overlay, text, audio_mix and mux with real ffmpeg. */
describe('composition steps', () => {
  let bench: Bench
  let a: string // 2 s, 320×180, 25 fps, sine
  let b: string // 1 s, 240×240, 30 fps, no audio
  let c: string // 1.5 s of noise at 44.1 kHz, no video
  let logo: string // a 64×48 PNG

  beforeAll(async () => {
    bench = await createBench()
    a = (await bench.render('generate', { duration: 2, width: 320, height: 180, fps: 25 })).file
    b = (await bench.render('generate', { duration: 1, width: 240, height: 240, fps: 30, audio: 'none' })).file
    c = (await bench.render('generate', { duration: 1.5, pattern: 'none', audio: 'noise', sampleRate: 44100 })).file
    const red = (await bench.render('generate', { duration: 0.2, width: 64, height: 48, pattern: 'color', color: 'red', audio: 'none' })).file
    logo = (await bench.render('thumbnail', {}, [red])).file
  })
  afterAll(async () => {
    await bench.close()
  })

  it("overlay: a PNG watermark, half transparent, in a window, keeps the base's format and sound", async () => {
    const { file } = await bench.render('overlay', { anchor: 'bottom-right', margin: 8, opacity: 0.5, start: 0.5, end: 1.5 }, [a, logo])
    const facts = await bench.probe(file)
    expect(facts.video).toMatchObject({ width: 320, height: 180, frameRate: { num: 25, den: 1 } })
    expect(facts.frames).toBe(50)
    expect(facts.audio).toMatchObject({ codec: 'flac', sampleRate: 48000 })
    expect(withinFrame(facts.durationS, 2, 25)).toBe(true)
  })

  it('overlay: picture in picture from a shorter, faster video, scaled down; the base sets the length', async () => {
    const facts = await bench.probe((await bench.render('overlay', { scale: 0.5, anchor: 'top-right', margin: 4, start: 0.5, afterEnd: 'hide' }, [a, b])).file)
    expect(facts.video).toMatchObject({ width: 320, height: 180 })
    expect(facts.frames).toBe(50)
  })

  it('text: a caption with a box and an outline, drawn from a file', async () => {
    const { file } = await bench.render('text', { text: "Hello\nworld 'quoted'; $(id) 100% [1]", box: true, borderWidth: 2, anchor: 'center', size: 24, start: 0.5 }, [a])
    const facts = await bench.probe(file)
    expect(facts.video).toMatchObject({ width: 320, height: 180, pixelFormat: 'yuv420p' })
    expect(facts.frames).toBe(50)
    expect(facts.streams).toHaveLength(2)
  })

  it('text: an audio-only input is refused without rendering', async () => {
    await expect(bench.render('text', { text: 'x' }, [c])).rejects.toThrow(/input 0 of text has no video stream, and text needs one there/)
  })

  it("audio_mix: mixes two inputs at their gains, keeps the first one's video, runs to the longest", async () => {
    const { file } = await bench.render('audio_mix', { volumes: [1, 0.5] }, [a, c])
    const facts = await bench.probe(file)
    expect(facts.streams).toHaveLength(2)
    expect(facts.frames).toBe(50)
    expect(facts.audio).toMatchObject({ sampleRate: 48000, channels: 2 })
    expect(withinFrame(facts.audio?.durationS ?? null, 2, 25)).toBe(true)
  })

  it('audio_mix: shortest cuts the video too; first follows the first input', async () => {
    const shortest = await bench.probe((await bench.render('audio_mix', { duration: 'shortest' }, [a, c])).file)
    expect(withinFrame(shortest.videoSeconds, 1.5, 25)).toBe(true)
    expect(withinFrame(shortest.durationS, 1.5, 25)).toBe(true)
    const first = await bench.probe((await bench.render('audio_mix', { duration: 'first', sampleRate: 44100 }, [c, a])).file)
    expect(first.video).toBeNull()
    expect(first.audio).toMatchObject({ sampleRate: 44100 })
    expect(Math.abs(first.durationS! - 1.5)).toBeLessThan(0.03)
  })

  it('mux: the video of one input with the delayed sound of another, cut to the shorter', async () => {
    const { file } = await bench.render('mux', { offset: 0.3 }, [b, c])
    const facts = await bench.probe(file)
    expect(facts.video).toMatchObject({ width: 240, height: 240, frameRate: { num: 30, den: 1 } })
    expect(facts.audio).toMatchObject({ sampleRate: 44100 })
    expect(facts.frames).toBe(30)
    expect(withinFrame(facts.durationS, 1, 30)).toBe(true)
  })

  it("mux: without shortest the longer stream sets the length; a negative offset cuts the sound's start", async () => {
    const facts = await bench.probe((await bench.render('mux', { shortest: false, offset: -0.2 }, [a, c])).file)
    expect(facts.frames).toBe(50)
    expect(Math.abs(facts.audio!.durationS! - 1.3)).toBeLessThan(0.03)
    expect(withinFrame(facts.durationS, 2, 25)).toBe(true)
  })
})
