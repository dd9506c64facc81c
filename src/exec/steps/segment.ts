import { z } from 'zod'
import type { FfmpegCommand } from '../command.ts'
import { StepInputsInvalidError } from '../errors.ts'
import { num } from '../filters.ts'
import { INTERMEDIATE_FORMAT, intermediateCodecArgs, isIntermediateVideo, toIntermediateVideo } from '../intermediate.ts'
import type { StepExecutor, StepInput, StepPlan } from '../step.ts'
import { duration, seconds } from './common.ts'
import { input, requireTimed, videoFps } from './inputs.ts'

export const segmentSchema = z.strictObject({
  start: seconds('Where the segment starts, in seconds from the start of the input.').default(0),
  duration: duration('Length of the segment in seconds. Give `duration` or `end`; with neither, the segment runs to the end of the input.').optional(),
  end: seconds('Where the segment ends, in seconds from the start of the input (instead of `duration`).').optional(),
  mode: z.enum(['auto', 'copy', 'reencode']).default('auto').meta({
    description: '`auto`: copy the video without re-encoding when that is exact (an intermediate-format video whose keyframes fall on the start and end), else re-encode; ' +
      '`copy`: never re-encode: the cut snaps outwards to keyframes, so the segment may start earlier and end later than asked; `reencode`: always re-encode (frame-exact).'
  })
}).superRefine((c, ctx) => {
  if (c.duration != null && c.end != null) ctx.addIssue({ code: 'custom', path: ['end'], message: 'give duration or end, not both' })
  if (c.end != null && c.end <= c.start) ctx.addIssue({ code: 'custom', path: ['end'], message: `must be after start (${c.start})` })
})

export type SegmentConfig = z.output<typeof segmentSchema>

/** ffmpeg's segment muxer cuts at the first keyframe at or after a time: aim half a millisecond early. */
const CUT_EARLY_S = 0.0005

interface Span {
  start: number
  /** Absent: to the end of the input. */
  end: number | null
}

/** The keyframe span covering the request: exact (auto) or snapped outwards (copy). Null when auto cannot be exact. */
function keyframeSpan (request: Span, keyframes: number[], frameS: number, exact: boolean, total: number): Span | null {
  const near = (t: number): number | undefined => keyframes.find(k => Math.abs(k - t) <= frameS / 2)
  const start = exact ? near(request.start) : keyframes.filter(k => k <= request.start + frameS / 2).at(-1)
  if (start == null) return null
  if (request.end == null || request.end >= total - frameS / 2) return { start, end: null }
  const end = exact ? near(request.end) : keyframes.find(k => k >= request.end! - frameS / 2 && k > start)
  if (end == null) return exact ? null : { start, end: null }
  return end > start ? { start, end } : null
}

/** Cuts with the segment muxer, which splits exactly before keyframes. Returns the command and the part to keep. */
function copyCut (file: string, span: Span, maps: string[]): { command: FfmpegCommand, part: string } {
  const times = [span.start, span.end].filter((t): t is number => t != null && t > 0)
  const index = span.start > 0 ? 1 : 0
  const segmentArgs = times.length > 0 ? ['-segment_times', times.map(t => num(Math.max(0, t - CUT_EARLY_S))).join(',')] : []
  return {
    part: `part-${index}.mkv`,
    command: {
      inputs: [{ file }],
      output: {
        file: 'part-%d.mkv',
        options: [...maps, '-c', 'copy', '-f', 'segment', ...segmentArgs, '-segment_format', INTERMEDIATE_FORMAT.muxer, '-reset_timestamps', '1']
      }
    }
  }
}

function reencode (src: StepInput, start: number, length: number | null, output: string): FfmpegCommand {
  const { video, audio } = src.info
  const options = [
    ...(video != null ? ['-map', '[v]'] : []),
    ...(audio != null ? ['-map', '0:a:0'] : []),
    ...(length != null ? ['-t', num(length)] : []),
    ...intermediateCodecArgs({ video: video != null, audio: audio != null })
  ]
  return {
    inputs: [{ file: src.file, options: start > 0 ? ['-ss', num(start)] : [] }],
    filterComplex: video != null ? toIntermediateVideo('0:v:0', ['null'], 'v', video) : undefined,
    output: { file: output, options }
  }
}

export const segmentStep: StepExecutor<SegmentConfig> = {
  type: 'segment',
  version: '1',
  description: 'Cuts a part out of one clip by start and duration (or end). Copies the video without re-encoding where that is exact, re-encodes otherwise.',
  inputs: { min: 1, max: 1 },
  schema: segmentSchema,
  output: () => ({ kind: 'media', extension: INTERMEDIATE_FORMAT.extension }),
  probe: c => c.mode === 'reencode' ? 'streams' : 'keyframes',
  plan (c, ctx): StepPlan {
    const src = input(ctx.inputs, 0)
    const total = requireTimed('segment', ctx.inputs, 0)
    if (c.start >= total) throw new StepInputsInvalidError(`segment start ${c.start} s is at or past the end of input 0 (${total} s)`, { field: 'start', inputDurationS: total })
    const requestedEnd = c.end ?? (c.duration != null ? c.start + c.duration : null)
    const request: Span = { start: c.start, end: requestedEnd != null && requestedEnd < total ? requestedEnd : null }
    const lengthOf = (span: Span): number => (span.end ?? total) - span.start
    const { video, audio } = src.info
    const frameS = 1 / videoFps(video)
    const keyframes = video != null ? src.keyframes ?? [] : null

    if (c.mode === 'copy') {
      // Without video every packet is a cut point; the segment muxer then splits on audio packets.
      const span = keyframes != null ? keyframeSpan(request, keyframes, frameS, false, total) ?? { start: 0, end: request.end } : request
      const maps = [...(video != null ? ['-map', '0:v:0'] : []), ...(audio != null ? ['-map', '0:a:0'] : [])]
      const cut = copyCut(src.file, span, maps)
      return { kind: 'ffmpeg', commands: [cut.command], result: cut.part, expectedDurationS: lengthOf(span) }
    }

    const exact = c.mode === 'auto' && video != null && keyframes != null && isIntermediateVideo(video.codec, video.pixelFormat)
      ? keyframeSpan(request, keyframes, frameS, true, total)
      : null
    if (exact == null) {
      return { kind: 'ffmpeg', commands: [reencode(src, request.start, request.end != null ? lengthOf(request) : null, ctx.output)], expectedDurationS: lengthOf(request) }
    }
    const cut = copyCut(src.file, exact, ['-map', '0:v:0'])
    if (audio == null) return { kind: 'ffmpeg', commands: [cut.command], result: cut.part, expectedDurationS: lengthOf(exact) }
    // The copied video plus the audio re-encoded sample-exactly over the same span.
    const join: FfmpegCommand = {
      inputs: [{ file: cut.part }, { file: src.file, options: exact.start > 0 ? ['-ss', num(exact.start)] : [] }],
      filterComplex: `[1:a:0]atrim=end=${num(lengthOf(exact))},asetpts=PTS-STARTPTS[a]`,
      output: {
        file: ctx.output,
        options: ['-map', '0:v:0', '-map', '[a]', '-c:v', 'copy', ...intermediateCodecArgs({ video: false, audio: true })]
      }
    }
    return { kind: 'ffmpeg', commands: [cut.command, join], expectedDurationS: lengthOf(exact) }
  }
}
