import { describe, expect, it } from 'vitest'
import { stepCatalog } from '../../../src/exec/catalog.ts'
import { plan } from '../../../src/plan/planner.ts'
import { validateRecipe } from '../../../src/plan/validate.ts'
import { videoFactsOf } from '../../../src/plan/transcode/analysis.ts'
import type { PacketFact, VideoFacts } from '../../../src/plan/transcode/analysis.ts'
import { chooseChunks } from '../../../src/plan/transcode/cuts.ts'
import { expandRecipe, findTranscodes, soundToCopy } from '../../../src/plan/transcode/expand.ts'
import { SOUND_OFFSET_S } from '../../../src/plan/transcode/settings.ts'
import { TranscodeInputError, TranscodeSourceError, ExpansionConflictError } from '../../../src/plan/transcode/errors.ts'
import type { Recipe } from '../../../src/plan/schema.ts'

const SOURCE = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const ANALYSIS = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'

/** A packet table: closed GOPs of `gop` frames at 25 fps (tb 1/1000), B-frames reordered as x264 does. */
function packets (frames: number, gop: number, start = 0): PacketFact[] {
  const out: PacketFact[] = []
  for (let g = 0; g < frames; g += gop) {
    const n = Math.min(gop, frames - g)
    // decode order inside a GOP: I, then P before the two B-frames it anchors.
    const order: number[] = [0]
    for (let i = 1; i < n; i += 3) {
      if (i + 2 < n) order.push(i + 2, i, i + 1)
      else for (let j = i; j < n; j++) order.push(j)
    }
    for (const i of order) out.push({ pts: start + (g + i) * 40, dts: null, duration: 40, pos: (g + i) * 1000, key: i === 0 })
  }
  return out
}

function facts (frames = 250, gop = 25, start = 0): { video: VideoFacts, audio: { stream: number, codec: string, sampleRate: number, channels: number }, format: { name: string, durationS: number } } {
  return {
    format: { name: 'matroska,webm', durationS: frames / 25 },
    video: videoFactsOf({ index: 0, codec: 'h264', width: 1280, height: 720, timeBase: [1, 1000] }, packets(frames, gop, start)),
    audio: { stream: 1, codec: 'aac', sampleRate: 48000, channels: 2 }
  }
}

function recipe (config: Record<string, unknown> = {}): Recipe {
  return validateRecipe({ version: 1, name: 'film', inputs: { source: SOURCE }, nodes: { out: { type: 'transcode', inputs: ['source'], config } }, output: 'out' }, stepCatalog)
}

describe('analysis facts', () => {
  it('finds clean keyframes, frame numbers and the exact end', () => {
    const v = facts(100, 25).video
    expect(v.frames).toBe(100)
    expect(v.startPts).toBe(0)
    expect(v.endPts).toBe(4000)
    expect(v.keyframes.map(k => [k.pts, k.frame, k.clean])).toEqual([[0, 0, true], [1000, 25, true], [2000, 50, true], [3000, 75, true]])
  })

  it('marks an open-GOP keyframe (a frame after it is shown before it) as not clean', () => {
    const list: PacketFact[] = [
      { pts: 0, dts: 0, duration: 40, pos: 0, key: true },
      { pts: 80, dts: 40, duration: 40, pos: 1, key: false },
      { pts: 40, dts: 80, duration: 40, pos: 2, key: false },
      { pts: 160, dts: 120, duration: 40, pos: 3, key: true },
      { pts: 120, dts: 160, duration: 40, pos: 4, key: false }, // a leading frame of the second GOP
      { pts: 200, dts: 200, duration: 40, pos: 5, key: false }
    ]
    const v = videoFactsOf({ index: 0, codec: 'h264', width: 16, height: 16, timeBase: [1, 1000] }, list)
    expect(v.keyframes.map(k => k.clean)).toEqual([true, false])
    expect(v.minFrameTicks).toBe(40)
  })

  it('does not cut a stream without timestamps', () => {
    const v = videoFactsOf({ index: 0, codec: 'h264', width: 16, height: 16, timeBase: [1, 25] }, [{ pts: null, dts: null, duration: null, pos: 0, key: true }])
    expect(v.timestamps).toBe(false)
    expect(chooseChunks(v, 10, 240)).toHaveLength(1)
  })
})

describe('chunk boundaries', () => {
  it('cuts at keyframes near the target and covers every frame exactly once', () => {
    const v = facts(1000, 25).video // 40 s, a keyframe a second
    const chunks = chooseChunks(v, 10, 240)
    expect(chunks.map(c => c.startPts)).toEqual([0, 10000, 20000, 30000])
    expect(chunks.reduce((sum, c) => sum + c.frames, 0)).toBe(1000)
    expect(chunks.reduce((sum, c) => sum + c.durationTicks, 0)).toBe(v.endPts - v.startPts)
    expect(chunks.at(-1)?.endPts).toBeNull()
  })

  it('keeps a source whose first frame is not at 0 on its own timeline', () => {
    const chunks = chooseChunks(facts(250, 25, 2500).video, 2, 240)
    expect(chunks[0]?.startPts).toBe(2500)
    expect(chunks.reduce((sum, c) => sum + c.frames, 0)).toBe(250)
  })

  it('with a 250-frame keyframe interval, chunks follow the keyframes that exist', () => {
    const chunks = chooseChunks(facts(600, 250).video, 2, 240)
    expect(chunks.map(c => c.startPts)).toEqual([0, 10000, 20000])
    expect(chunks.map(c => c.frames)).toEqual([250, 250, 100])
  })

  it('never makes more than the maximum number of chunks', () => {
    const chunks = chooseChunks(facts(25 * 600, 25).video, 1, 20)
    expect(chunks.length).toBeLessThanOrEqual(20)
    expect(chunks.reduce((sum, c) => sum + c.frames, 0)).toBe(25 * 600)
  })

  it('ends without a tiny last chunk', () => {
    const chunks = chooseChunks(facts(25 * 21, 25).video, 10, 240) // 21 s
    expect(chunks.map(c => c.durationTicks)).toEqual([10000, 11000])
  })
})

describe('expansion', () => {
  const expand = (config: Record<string, unknown> = {}, f: unknown = facts()): Recipe => expandRecipe(recipe(config), new Map([['out', { cid: ANALYSIS, facts: f }]]))

  it('gives chunks, one audio step and a join that keeps the node id', () => {
    const r = expand({ chunkSeconds: 2 })
    const types = Object.values(r.nodes).map(n => n.type)
    expect(types.filter(t => t === 'transcode_chunk')).toHaveLength(5)
    expect(types.filter(t => t === 'transcode_audio')).toHaveLength(1)
    expect(r.nodes.out?.type).toBe('transcode_join')
    expect(r.nodes.out?.inputs).toEqual(['out-chunk-000', 'out-chunk-001', 'out-chunk-002', 'out-chunk-003', 'out-chunk-004', 'out-audio'])
    expect(r.inputs['out-analysis']).toBe(ANALYSIS)
    expect(r.nodes['out-chunk-001']?.config).toMatchObject({ startPts: 2000, endPts: 4000, seek: true, frames: 50, margin: 20 })
    expect(r.nodes['out-chunk-000']?.config).toMatchObject({ seek: false })
  })

  it('is deterministic: the same source, settings and analysis give the same plan and cache_ids', () => {
    const a = plan(expand({ chunkSeconds: 2 }), { source: SOURCE, 'out-analysis': ANALYSIS }, stepCatalog)
    const b = plan(expand({ chunkSeconds: 2 }, JSON.parse(JSON.stringify(facts()))), { source: SOURCE, 'out-analysis': ANALYSIS }, stepCatalog)
    expect(b.planId).toBe(a.planId)
    expect(b.steps.map(s => s.cacheId)).toEqual(a.steps.map(s => s.cacheId))
    // The analysis is part of the plan's identity.
    const c = plan(expand({ chunkSeconds: 2 }), { source: SOURCE, 'out-analysis': SOURCE }, stepCatalog)
    expect(c.planId).not.toBe(a.planId)
    expect(c.steps.map(s => s.cacheId)).toEqual(a.steps.map(s => s.cacheId))
  })

  it("reads the sound copied out of the source when there is one, on the source timeline moved by the copy's offset", () => {
    const SOUND = 'bafkreidvbhs33ighmljlvr7zbv2ywwzcmp5adtf4kqvlly67cy56bdtmve'
    const r = expandRecipe(recipe({ chunkSeconds: 2 }), new Map([['out', { cid: ANALYSIS, facts: facts(), sound: SOUND }]]))
    expect(r.inputs['out-sound']).toBe(SOUND)
    expect(r.nodes['out-audio']).toMatchObject({ inputs: ['out-sound'], config: { stream: 0, offsetS: SOUND_OFFSET_S, startPts: 0, endPts: 10_000 } })
    // The chunks still read the source (ranges of it); the join reads the sound step as before.
    expect(r.nodes['out-chunk-000']?.inputs).toEqual(['source'])
    expect(r.nodes.out?.inputs.at(-1)).toBe('out-audio')
    // The same source, settings, analysis and sound: the same plan and cache_ids; the sound is part of the plan's identity.
    const inputs = { source: SOURCE, 'out-analysis': ANALYSIS, 'out-sound': SOUND }
    const again = expandRecipe(recipe({ chunkSeconds: 2 }), new Map([['out', { cid: ANALYSIS, facts: JSON.parse(JSON.stringify(facts())) as unknown, sound: SOUND }]]))
    expect(plan(again, inputs, stepCatalog).steps.map(s => s.cacheId)).toEqual(plan(r, inputs, stepCatalog).steps.map(s => s.cacheId))
    const audioStep = (p: ReturnType<typeof plan>) => p.steps.find(s => s.type === 'transcode_audio')?.cacheId
    expect(audioStep(plan(r, inputs, stepCatalog))).not.toBe(audioStep(plan(expand({ chunkSeconds: 2 }), { source: SOURCE, 'out-analysis': ANALYSIS }, stepCatalog)))
  })

  it('copies out only sound that is encoded and copies exactly; reads the source otherwise', () => {
    const target = { node: 'out', input: 'source' }
    expect(soundToCopy(target, {}, facts())).toBe(1)
    expect(soundToCopy(target, { audioCodec: 'none' }, facts())).toBeUndefined()
    expect(soundToCopy(target, {}, { ...facts(), audio: null })).toBeUndefined()
    // ALAC and WMA lose what their decoder needs in NUT, Opus its last frame's trimming, MP3 (from mp4) decodes badly: read from the source.
    for (const codec of ['alac', 'wmav2', 'opus', 'mp3', null]) {
      const f = { ...facts(), audio: { ...facts().audio, codec } }
      expect(soundToCopy(target, {}, f)).toBeUndefined()
      expect(expandRecipe(recipe(), new Map([['out', { cid: ANALYSIS, facts: f, sound: SOURCE }]])).nodes['out-audio']).toMatchObject({ inputs: ['source'], config: { stream: 1 } })
    }
  })

  it('drops the audio step for a silent source or audioCodec none', () => {
    expect(Object.values(expand({}, { ...facts(), audio: null }).nodes).some(n => n.type === 'transcode_audio')).toBe(false)
    expect(Object.values(expand({ audioCodec: 'none' }).nodes).some(n => n.type === 'transcode_audio')).toBe(false)
  })

  it('refuses a source with no video, and a corrupt analysis', () => {
    expect(() => expand({}, { ...facts(), video: null })).toThrow(TranscodeSourceError)
    expect(() => expand({}, { video: 'lots' })).toThrow(TranscodeSourceError)
    expect(() => expand({}, { ...facts(), video: { ...facts().video, keyframes: [{ pts: 1e300, pos: 0, frame: -1, clean: true }] } })).toThrow(TranscodeSourceError)
  })

  it('refuses a transcode of a node of the same recipe, naming it and why', () => {
    const r = validateRecipe({
      version: 1,
      name: 'film',
      inputs: { source: SOURCE },
      nodes: { cut: { type: 'segment', inputs: ['source'], config: { duration: 2 } }, out: { type: 'transcode', inputs: ['cut'] } },
      output: 'out'
    }, stepCatalog)
    expect(() => findTranscodes(r)).toThrow(TranscodeInputError)
    expect(() => findTranscodes(r)).toThrow(/nodes\.out\.inputs\[0\].*"cut".*analysed before the job is planned/)
  })

  it('refuses an expansion whose ids clash with the recipe', () => {
    const r = validateRecipe({
      version: 1,
      name: 'film',
      inputs: { source: SOURCE, 'out-analysis': SOURCE },
      nodes: { out: { type: 'transcode', inputs: ['source'] } },
      output: 'out'
    }, stepCatalog)
    expect(() => expandRecipe(r, new Map([['out', { cid: ANALYSIS, facts: facts() }]]))).toThrow(ExpansionConflictError)
  })

  it('refuses hostile settings with the field', () => {
    for (const config of [{ chunkSeconds: 0 }, { chunkSeconds: 601 }, { chunkSeconds: Number.NaN }, { codec: 'vp9', container: 'mp4' }, { hardware: 'nvenc', codec: 'vp9', container: 'webm' }, { crf: 52 }, { args: '-i /etc/passwd' }]) {
      expect(() => recipe(config)).toThrow(/nodes\.out\.config/)
    }
  })

  it('keeps long node ids within the id rule', () => {
    const id = `t${'x'.repeat(63)}`
    const r = validateRecipe({ version: 1, name: 'film', inputs: { source: SOURCE }, nodes: { [id]: { type: 'transcode', inputs: ['source'], config: { chunkSeconds: 2 } } }, output: id }, stepCatalog)
    const expanded = expandRecipe(r, new Map([[id, { cid: ANALYSIS, facts: facts() }]]))
    expect(() => validateRecipe(expanded, stepCatalog)).not.toThrow()
  })

  it('asks for the hardware encoder a transcode uses, and software otherwise', () => {
    const chunk = stepCatalog.get('transcode_chunk')
    const config = expand({ hardware: 'nvenc' }).nodes['out-chunk-000']?.config as Record<string, unknown>
    expect(chunk?.requires?.(config)).toEqual(['h264_nvenc'])
    expect(chunk?.requires?.(expand().nodes['out-chunk-000']?.config as Record<string, unknown>)).toEqual(['h264'])
  })
})
