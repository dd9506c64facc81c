import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CapabilitiesCache } from '../../../src/exec/capabilities.ts'
import { EncoderUnavailableError } from '../../../src/exec/errors.ts'
import { SpawnCounter } from '../../../src/exec/spawns.ts'
import { createBench, withinFrame } from './fixtures.ts'
import type { Bench } from './fixtures.ts'

/** encode (every codec), thumbnail and analyze with real ffmpeg. */
describe('delivery steps', () => {
  let bench: Bench
  let a: string // 2 s, 320×180, 25 fps, sine
  let short: string // 0.4 s, 160×90: for the slow AV1 encoder

  beforeAll(async () => {
    bench = await createBench()
    a = (await bench.render('generate', { duration: 2, width: 320, height: 180, fps: 25 })).file
    short = (await bench.render('generate', { duration: 0.4, width: 160, height: 90, fps: 25 })).file
  })
  afterAll(async () => {
    await bench.close()
  })

  it('encode: h264 and aac in mp4 with faststart, by default', async () => {
    const { file, result } = await bench.render('encode', {}, [a])
    expect(result.output).toEqual({ kind: 'media', extension: 'mp4' })
    const facts = await bench.probe(file)
    expect(facts.formatName).toContain('mp4')
    expect(facts.video).toMatchObject({ codec: 'h264', width: 320, height: 180, pixelFormat: 'yuv420p' })
    expect(facts.audio).toMatchObject({ codec: 'aac', channels: 2 })
    expect(facts.frames).toBe(50)
    expect(withinFrame(facts.durationS, 2, 25)).toBe(true)
    // faststart puts the index (moov) before the media data (mdat).
    const bytes = await readFile(file)
    expect(bytes.indexOf('moov')).toBeLessThan(bytes.indexOf('mdat'))
  })

  it('encode: hevc in mkv, scaled by width, at another frame rate', async () => {
    const facts = await bench.probe((await bench.render('encode', { codec: 'hevc', container: 'mkv', width: 160, fps: 10, preset: 'ultrafast' }, [a])).file)
    expect(facts.video).toMatchObject({ codec: 'hevc', width: 160, height: 90, frameRate: { num: 10, den: 1 } })
    expect(facts.audio).toMatchObject({ codec: 'aac' })
    expect(facts.frames).toBe(20)
  })

  it('encode: vp9 and opus in webm, in 4:4:4', async () => {
    const facts = await bench.probe((await bench.render('encode', { codec: 'vp9', container: 'webm', preset: 'ultrafast', pixelFormat: 'yuv444p' }, [a])).file)
    expect(facts.formatName).toContain('webm')
    expect(facts.video).toMatchObject({ codec: 'vp9', pixelFormat: 'yuv444p' })
    expect(facts.audio).toMatchObject({ codec: 'opus', sampleRate: 48000 })
    expect(facts.frames).toBe(50)
  })

  it('encode: av1 in mp4 without sound', async () => {
    const facts = await bench.probe((await bench.render('encode', { codec: 'av1', preset: 'ultrafast', audioCodec: 'none' }, [short])).file)
    expect(facts.video).toMatchObject({ codec: 'av1', width: 160, height: 90 })
    expect(facts.audio).toBeNull()
    expect(facts.streams).toHaveLength(1)
    expect(facts.frames).toBe(10)
  })

  it('encode: fails before rendering when this ffmpeg lacks the encoder', async () => {
    // A real ffmpeg whose encoder list leaves out libaom-av1, like a build without it.
    const ffmpeg = join(bench.dir, 'ffmpeg-without-av1')
    await writeFile(ffmpeg, `#!/bin/sh\nif [ "$2" = "-encoders" ]; then "${bench.binaries.ffmpeg.path}" "$@" | grep -v libaom; else exec "${bench.binaries.ffmpeg.path}" "$@"; fi\n`)
    await chmod(ffmpeg, 0o755)
    const counter = new SpawnCounter()
    const run = bench.render('encode', { codec: 'av1' }, [short], {
      binaries: { ffmpeg: { path: ffmpeg }, ffprobe: bench.binaries.ffprobe },
      capabilities: new CapabilitiesCache(),
      onSpawn: counter.listener
    })
    await expect(run).rejects.toBeInstanceOf(EncoderUnavailableError)
    await expect(run).rejects.toThrow(/has no libaom-av1 encoder/)
    expect(counter.events.filter(event => event.purpose === 'render')).toEqual([])
  })

  it('thumbnail: one PNG frame at a time, scaled by width', async () => {
    const { file, result } = await bench.render('thumbnail', { time: 1, width: 100 }, [a])
    expect(result.output).toEqual({ kind: 'image', extension: 'png' })
    expect((await readFile(file)).subarray(1, 4).toString()).toBe('PNG')
    const facts = await bench.probe(file)
    expect(facts.video).toMatchObject({ codec: 'png', width: 100, height: 56 })
    expect(facts.frames).toBe(1)
  })

  it('thumbnail: a time past the end is refused, naming it', async () => {
    await expect(bench.render('thumbnail', { time: 5 }, [a])).rejects.toThrow(/thumbnail time 5 s is at or past the end of input 0 \(2 s\)/)
  })

  it('analyze: ffprobe facts as the JSON output, with no ffmpeg run', async () => {
    const counter = new SpawnCounter()
    const { file, result } = await bench.render('analyze', {}, [a], { onSpawn: counter.listener })
    expect(result.output).toEqual({ kind: 'json', extension: 'json' })
    expect(result.ffmpegRuns).toBe(0)
    expect(counter.count('ffmpeg')).toBe(0)
    const analysis = JSON.parse(await readFile(file, 'utf8'))
    expect(analysis).toMatchObject({
      format: { name: 'matroska,webm', durationS: 2, still: false },
      streams: [
        { index: 0, type: 'video', codec: 'h264', width: 320, height: 180, pixelFormat: 'yuv420p', frameRate: { num: 25, den: 1 } },
        { index: 1, type: 'audio', codec: 'flac', sampleRate: 48000, channels: 2, channelLayout: 'stereo' }
      ]
    })
  })
})
