import { describe, expect, it } from 'vitest'
import { executors } from '../../../src/exec/catalog.ts'
import { renderArgs } from '../../../src/exec/command.ts'
import type { FfmpegCommand } from '../../../src/exec/command.ts'
import { StepInputsInvalidError } from '../../../src/exec/errors.ts'
import { parseProbeJson } from '../../../src/exec/probe-parse.ts'
import type { StepInput, StepPlan } from '../../../src/exec/step.ts'

/** Probe facts as ffprobe gives them for our intermediate files. */
function clip (file: string, o: { width?: number, height?: number, fps?: string, duration?: number, audio?: boolean, video?: boolean, codec?: string, keyframes?: number[] } = {}): StepInput {
  const streams: unknown[] = []
  if (o.video !== false) {
    streams.push({
      index: 0,
      codec_type: 'video',
      codec_name: o.codec ?? 'h264',
      width: o.width ?? 320,
      height: o.height ?? 180,
      pix_fmt: 'yuv420p',
      avg_frame_rate: o.fps ?? '25/1',
      tags: { DURATION: `00:00:0${o.duration ?? 2}.000000000` }
    })
  }
  if (o.audio !== false) streams.push({ index: streams.length, codec_type: 'audio', codec_name: 'flac', sample_rate: '48000', channels: 2 })
  return { file, info: parseProbeJson({ format: { format_name: 'matroska,webm', duration: String(o.duration ?? 2) }, streams }), keyframes: o.keyframes }
}

function plan (type: string, config: unknown, inputs: StepInput[]): StepPlan {
  const executor = executors.get(type)!
  return executor.plan(executor.schema.parse(config), { inputs, output: 'output.mkv', fontFile: 'font.ttf' })
}

function commands (p: StepPlan): FfmpegCommand[] {
  if (p.kind !== 'ffmpeg') throw new Error('expected an ffmpeg plan')
  return p.commands
}

describe('renderArgs', () => {
  const command: FfmpegCommand = { inputs: [{ file: 'input-0', options: ['-ss', '1'] }], filterComplex: '[0:v:0]null[v]', output: { file: 'output.mkv', options: ['-map', '[v]'] } }

  it('adds quiet logging, machine progress, file-only inputs and reproducible output flags', () => {
    const args = renderArgs(command)
    expect(args.slice(0, 7)).toEqual(['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1'])
    const i = args.indexOf('-i')
    expect(args.slice(i - 6, i + 2)).toEqual(['-ss', '1', '-protocol_whitelist', 'file', '-format_whitelist', expect.stringContaining('matroska'), '-i', 'file:input-0'])
    expect(args).toEqual(expect.arrayContaining(['-map_metadata', '-1', '-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact']))
    expect(args.slice(-2)).toEqual(['-y', 'file:output.mkv'])
    expect(args[args.indexOf('-filter_complex') + 1]).toMatch(/^sws_flags=[^;]*bitexact;\[0:v:0\]null\[v\]$/)
  })

  it('keeps playlist and reference demuxers out of the input whitelist', () => {
    const list = renderArgs(command)[renderArgs(command).indexOf('-format_whitelist') + 1]!.split(',')
    for (const unsafe of ['hls', 'concat', 'dash', 'lavfi', 'image2', 'tee', 'data']) expect(list).not.toContain(unsafe)
  })

  it('passes threads to inputs, filters and the encoder; pins encoder threads when left to ffmpeg', () => {
    const one = renderArgs(command, { threads: 1 })
    expect(one.filter(arg => arg === '-threads')).toHaveLength(2)
    expect(one[one.indexOf('-filter_complex_threads') + 1]).toBe('1')
    const auto = renderArgs(command)
    expect(auto.filter(arg => arg === '-threads')).toHaveLength(1)
    expect(auto[auto.indexOf('-threads') + 1]).toBe('4')
  })
})

describe('step plans', () => {
  it('text: the caption goes to a file and never into the arguments', () => {
    // Quotes, colons, semicolons and brackets would all break a filtergraph if spliced into it.
    const caption = "it's: 'quoted'; [x] \\ 100% $(id)"
    const p = plan('text', { text: caption, box: true }, [clip('input-0')])
    if (p.kind !== 'ffmpeg') throw new Error('plan')
    expect(p.files).toEqual([{ name: 'text.txt', content: caption }])
    const args = renderArgs(p.commands[0]!)
    expect(args.join(' ')).not.toContain('quoted')
    expect(args.join(' ')).not.toContain('$(id)')
    expect(p.commands[0]!.filterComplex).toMatch(/drawtext=fontfile=font\.ttf:textfile=text\.txt:expansion=none:/)
    expect(p.commands[0]!.auxFiles).toEqual(['text.txt', 'font.ttf'])
  })

  it('transform: tracks sizes through the operations and refuses a crop that does not fit', () => {
    const p = plan('transform', { ops: [{ op: 'scale', width: 160 }, { op: 'rotate', degrees: 90 }, { op: 'crop', width: 80, height: 80 }] }, [clip('input-0')])
    const graph = commands(p)[0]!.filterComplex!
    expect(graph).toContain('scale=160:90:')
    expect(graph).toContain('transpose=clock')
    expect(graph).toContain('crop=80:80:5:40')
    expect(() => plan('transform', { ops: [{ op: 'scale', width: 160 }, { op: 'crop', width: 100, height: 100 }] }, [clip('input-0')]))
      .toThrow(/ops\[1\]: a 100x100 crop at \(30, -5\) does not fit in the 160x90 picture/)
  })

  it('transform: speed changes the expected duration and keeps audio in step', () => {
    const p = plan('transform', { ops: [{ op: 'speed', factor: 4 }] }, [clip('input-0')])
    expect(p).toMatchObject({ expectedDurationS: 0.5 })
    expect(commands(p)[0]!.filterComplex).toContain('[0:a:0]atempo=2,atempo=2[a]')
  })

  it('transform: a picture operation on an audio-only input names the operation', () => {
    expect(() => plan('transform', { ops: [{ op: 'flip', direction: 'vertical' }] }, [clip('input-0', { video: false })])).toThrow(/ops\[0\] \(flip\) needs video/)
  })

  it('segment: copies the video when the cut falls on keyframes of an intermediate video, else re-encodes', () => {
    const kf = [0, 1, 2, 3]
    const exact = plan('segment', { start: 1, end: 2 }, [clip('input-0', { duration: 4, keyframes: kf })])
    expect(commands(exact)).toHaveLength(2)
    expect(commands(exact)[0]!.output.options).toEqual(expect.arrayContaining(['-c', 'copy', '-f', 'segment', '-segment_times', '0.9995,1.9995']))
    expect(exact).toMatchObject({ kind: 'ffmpeg', expectedDurationS: 1 })
    expect(commands(exact)[1]!.output.options).toEqual(expect.arrayContaining(['-c:v', 'copy', '-c:a', 'flac']))
    const between = plan('segment', { start: 1.5, duration: 1 }, [clip('input-0', { duration: 4, keyframes: kf })])
    expect(commands(between)).toHaveLength(1)
    expect(commands(between)[0]!.inputs[0]!.options).toEqual(['-ss', '1.5'])
    expect(commands(between)[0]!.output.options).toEqual(expect.arrayContaining(['-t', '1', '-c:v', 'libx264']))
    const vp9 = plan('segment', { start: 1, end: 2 }, [clip('input-0', { duration: 4, keyframes: kf, codec: 'vp9' })])
    expect(commands(vp9)).toHaveLength(1)
  })

  it('segment: copy mode snaps outwards to keyframes; a start past the end is refused', () => {
    const p = plan('segment', { start: 1.5, duration: 1, mode: 'copy' }, [clip('input-0', { duration: 4, keyframes: [0, 1, 3] })])
    expect(p).toMatchObject({ result: 'part-1.mkv', expectedDurationS: 2 })
    expect(() => plan('segment', { start: 5 }, [clip('input-0', { duration: 4 })])).toThrow(StepInputsInvalidError)
  })

  it("sequence: scales every clip to the first one's size and frame rate, with silence for a silent clip", () => {
    const p = plan('sequence', {}, [clip('input-0'), clip('input-1', { width: 240, height: 240, fps: '30/1', audio: false, duration: 1 })])
    const graph = commands(p)[0]!.filterComplex!
    expect(graph).toContain('[1:v:0]scale=320:180:force_original_aspect_ratio=decrease')
    expect(graph).toContain('fps=fps=25/1')
    expect(graph).toContain('anullsrc=r=48000:cl=stereo,atrim=end=1')
    expect(graph).toContain('concat=n=2:v=1:a=1[v][a]')
    expect(p).toMatchObject({ expectedDurationS: 3 })
  })

  it('sequence: refuses mixing clips with and without video', () => {
    expect(() => plan('sequence', {}, [clip('input-0'), clip('input-1', { video: false })])).toThrow(/input 1 has none/)
  })

  it('audio_mix: needs one volume per input', () => {
    expect(() => plan('audio_mix', { volumes: [1, 1, 1] }, [clip('input-0'), clip('input-1')])).toThrow(/volumes has 3 entries for 2 inputs/)
  })

  it('mux and overlay: name the input that lacks the stream they need', () => {
    expect(() => plan('mux', {}, [clip('input-0'), clip('input-1', { audio: false })])).toThrow(/input 1 of mux has no audio stream, and mux needs one there/)
    expect(() => plan('overlay', {}, [clip('input-0', { video: false }), clip('input-1')])).toThrow(/input 0 of overlay has no video stream, and overlay needs one there/)
  })

  it('encode: maps preset and quality per codec and asks for the encoder', () => {
    const executor = executors.get('encode')!
    const config = executor.schema.parse({ codec: 'av1', container: 'webm', preset: 'veryfast' })
    expect(executor.needs!(config)).toEqual({ encoders: ['libaom-av1', 'libopus'], pixelFormat: { encoder: 'libaom-av1', format: 'yuv420p' } })
    const args = commands(executor.plan(config, { inputs: [clip('input-0')], output: 'output.webm', fontFile: 'font.ttf' }))[0]!.output.options
    expect(args).toEqual(expect.arrayContaining(['-c:v', 'libaom-av1', '-crf', '30', '-cpu-used', '7', '-c:a', 'libopus', '-ar', '48000', '-f', 'webm']))
    expect(args).not.toContain('-movflags')
  })

  it('analyze: writes the probe facts as JSON and runs no ffmpeg', () => {
    const p = plan('analyze', {}, [clip('input-0')])
    if (p.kind !== 'write') throw new Error('expected a write plan')
    expect(JSON.parse(p.content)).toMatchObject({ format: { name: 'matroska,webm', durationS: 2 }, streams: [{ type: 'video', width: 320, frameRate: { num: 25, den: 1 } }, { type: 'audio', sampleRate: 48000 }] })
  })
})
