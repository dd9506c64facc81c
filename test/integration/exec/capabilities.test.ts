import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveBinaries } from '../../../src/exec/binaries.ts'
import type { ResolvedBinaries } from '../../../src/exec/binaries.ts'
import { CapabilitiesCache, recipeCodecs } from '../../../src/exec/capabilities.ts'
import { doctor } from '../../../src/exec/doctor.ts'
import { BinaryPathInvalidError } from '../../../src/exec/errors.ts'
import { SpawnCounter } from '../../../src/exec/spawns.ts'

describe('capabilities and doctor', () => {
  let binaries: ResolvedBinaries
  beforeAll(async () => {
    binaries = await resolveBinaries()
  })
  afterAll(() => {})

  it('asks the binary once for its version, encoders and filters', async () => {
    const cache = new CapabilitiesCache()
    const counter = new SpawnCounter()
    const caps = await cache.get(binaries.ffmpeg.path, { onSpawn: counter.listener })
    expect(caps.version).toMatch(/^N-47683/)
    expect(caps.encoders).toEqual(expect.arrayContaining(['libx264', 'libx265', 'libvpx-vp9', 'libaom-av1', 'aac', 'libopus', 'flac', 'png']))
    expect(caps.filters).toEqual(expect.arrayContaining(['drawtext', 'overlay', 'concat', 'amix', 'testsrc2']))
    expect(recipeCodecs(caps)).toEqual(['h264', 'hevc', 'vp9', 'av1', 'aac', 'opus'])
    const spawned = counter.count()
    expect(spawned).toBeGreaterThan(0)
    await cache.get(binaries.ffmpeg.path, { onSpawn: counter.listener })
    expect(counter.count()).toBe(spawned)
    expect(await cache.encoderPixelFormats(binaries.ffmpeg.path, 'libx264')).toContain('yuv420p')
  })

  it('doctor reports the binaries, their sources and versions, the encoders and the bundled font', async () => {
    const report = await doctor()
    expect(report.ok).toBe(true)
    expect(report.problems).toEqual([])
    expect(report.ffmpeg).toMatchObject({ source: '@ffmpeg-installer/ffmpeg', version: expect.stringMatching(/^N-47683/) })
    expect(report.ffprobe).toMatchObject({ source: '@ffprobe-installer/ffprobe', version: expect.stringMatching(/^N-66595/) })
    expect(report.encoders).toEqual({ h264: 'libx264', hevc: 'libx265', vp9: 'libvpx-vp9', av1: 'libaom-av1', aac: 'aac', opus: 'libopus' })
    expect(report.font).toMatchObject({ source: 'open-sans-fonts', path: expect.stringMatching(/OpenSans-Regular\.ttf$/) })
  })

  it('doctor names a configured font that is missing, and fails clearly on a missing binary', async () => {
    const report = await doctor({ fontFile: '/nonexistent/font.ttf' })
    expect(report.ok).toBe(false)
    expect(report.problems).toEqual(['text steps cannot run: font file /nonexistent/font.ttf (from config exec.fontFile) is missing or unreadable'])
    await expect(doctor({ ffmpeg: '/nonexistent/ffmpeg' })).rejects.toBeInstanceOf(BinaryPathInvalidError)
  })
})
