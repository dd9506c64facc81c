import { describe, expect, it } from 'vitest'
import { executors, stepCatalog } from '../../../src/exec/catalog.ts'

const STEP_TYPES = ['analyze', 'audio_mix', 'encode', 'generate', 'mux', 'overlay', 'segment', 'sequence', 'text', 'thumbnail', 'transcode', 'transcode_audio', 'transcode_chunk', 'transcode_join', 'transcode_sound', 'transform']

/** A small valid config for each type (the ones with required fields need them). */
const MINIMAL: Record<string, unknown> = {
  transform: { ops: [{ op: 'flip', direction: 'horizontal' }] },
  text: { text: 'Hello' },
  transcode_chunk: { codec: 'h264', crf: 23, preset: 'medium', stream: 0, timeBase: [1, 1000], startPts: 0, margin: 20, seek: false, frames: 25, index: 0, count: 1 },
  transcode_audio: { codec: 'aac', bitrate: 128, stream: 1, timeBase: [1, 1000], startPts: 0, endPts: 1000 },
  transcode_join: { container: 'mp4', faststart: true, timeBase: [1, 1000], durations: [1000], audio: false, frames: 25 },
  transcode_sound: { stream: 1 }
}

describe('stepCatalog', () => {
  it('lists every step type, sorted', () => {
    expect(stepCatalog.types()).toEqual(STEP_TYPES)
    expect(stepCatalog.get('nope')).toBeUndefined()
  })

  it('gives each type a version, an arity and a normalize that fills every default', () => {
    for (const type of STEP_TYPES) {
      const def = stepCatalog.get(type)!
      expect(def.type).toBe(type)
      expect(def.version).toMatch(/^\d+$/)
      expect(def.inputs.min).toBeLessThanOrEqual(def.inputs.max)
      const result = def.normalize(MINIMAL[type] ?? {})
      expect(result.ok, type).toBe(true)
    }
    expect(stepCatalog.get('generate')!.inputs).toEqual({ min: 0, max: 0 })
    expect(stepCatalog.get('overlay')!.inputs).toEqual({ min: 2, max: 2 })
    expect(stepCatalog.get('sequence')!.inputs.min).toBe(2)
  })

  it('normalizes to plain JSON, and normalizing twice changes nothing', () => {
    for (const type of STEP_TYPES) {
      const once = stepCatalog.get(type)!.normalize(MINIMAL[type] ?? {})
      if (!once.ok) throw new Error(type)
      expect(JSON.parse(JSON.stringify(once.config))).toEqual(once.config)
      expect(Object.values(once.config)).not.toContain(undefined)
      const twice = stepCatalog.get(type)!.normalize(once.config)
      expect(twice).toEqual(once)
    }
  })

  it('fills defaults so that writing a default out or leaving it out plans alike', () => {
    const generate = stepCatalog.get('generate')!
    expect(generate.normalize({})).toEqual(generate.normalize({ duration: 5, pattern: 'testsrc2', width: 1280, height: 720, fps: 25, audio: 'sine', color: 'black' }))
    expect(generate.normalize({})).toMatchObject({ ok: true, config: { duration: 5, width: 1280, height: 720, fps: 25, sampleRate: 48000, color: '#000000' } })
  })

  it('canonicalizes colours: a name and its hex are the same config', () => {
    const text = stepCatalog.get('text')!
    expect(text.normalize({ text: 'a', color: 'red' })).toEqual(text.normalize({ text: 'a', color: '#FF0000' }))
  })

  it('fills encode defaults that depend on other fields', () => {
    const encode = stepCatalog.get('encode')!
    expect(encode.normalize({})).toMatchObject({ ok: true, config: { codec: 'h264', crf: 23, container: 'mp4', audioCodec: 'aac', faststart: true } })
    expect(encode.normalize({ codec: 'vp9', container: 'webm' })).toMatchObject({ ok: true, config: { crf: 31, audioCodec: 'opus', faststart: false } })
  })

  it('has an executor behind every definition', () => {
    expect([...executors.keys()].sort()).toEqual(STEP_TYPES)
  })
})
