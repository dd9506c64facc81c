import { z } from 'zod'
import { RECIPE_ENCODERS } from '../capabilities.ts'
import { SWS_FLAGS } from '../command.ts'
import { StepInputsInvalidError } from '../errors.ts'
import { evenFloor, int, num } from '../filters.ts'
import type { StepExecutor } from '../step.ts'
import { evenSize, frameRate } from './common.ts'
import { AUDIO_CODECS, CONTAINERS, CONTAINER_AUDIO, CONTAINER_VIDEO, DEFAULT_CRF, MAX_CRF, MUXERS, PIXEL_FORMATS, PRESETS, VIDEO_CODECS, audioCodecArgs, videoCodecArgs } from './encode-codecs.ts'
import { input } from './inputs.ts'

const encodeFields = z.strictObject({
  container: z.enum(CONTAINERS).default('mp4').meta({ description: 'File format: `mp4` holds h264, hevc or av1 with aac; `webm` holds vp9 or av1 with opus; `mkv` holds any of them.' }),
  codec: z.enum(VIDEO_CODECS).default('h264').meta({ description: "Video codec. The node's ffmpeg must have its encoder (libx264, libx265, libvpx-vp9, libaom-av1)." }),
  crf: z.number().int().min(0).max(63).optional().meta({ description: 'Constant quality: lower is better and bigger. h264 and hevc take 0–51, vp9 and av1 0–63. Absent: 23 (h264), 28 (hevc), 31 (vp9), 30 (av1).' }),
  preset: z.enum(PRESETS).default('medium').meta({ description: "Encoding speed against file size, in x264's terms (x265 uses the same names; vp9 and av1 map them to their speed settings)." }),
  width: evenSize("Output width in pixels (even); absent with `height` given: keeps the aspect ratio; both absent: the input's size.").optional(),
  height: evenSize('Output height in pixels (even); absent with `width` given: keeps the aspect ratio.').optional(),
  fps: frameRate("Output frame rate; absent: the input's.").optional(),
  pixelFormat: z.enum(PIXEL_FORMATS).default('yuv420p').meta({ description: 'Pixel format; `yuv420p` plays everywhere. The encoder must support it.' }),
  audioCodec: z.enum(AUDIO_CODECS).optional().meta({ description: 'Audio codec, or `none` to drop the sound. Absent: `opus` for webm, `aac` otherwise.' }),
  audioBitrate: z.number().int().min(32).max(512).default(128).meta({ description: 'Audio bitrate in kbit/s.' }),
  faststart: z.boolean().optional().meta({ description: 'mp4 only: put the index first so playback can start before the download ends. Absent: true for mp4.' })
})

export const encodeSchema = encodeFields.superRefine((c, ctx) => {
  if (c.crf != null && c.crf > MAX_CRF[c.codec]) ctx.addIssue({ code: 'custom', path: ['crf'], message: `must be at most ${MAX_CRF[c.codec]} for ${c.codec}` })
  if (!CONTAINER_VIDEO[c.container].includes(c.codec)) {
    ctx.addIssue({ code: 'custom', path: ['codec'], message: `${c.container} cannot hold ${c.codec}; use ${CONTAINER_VIDEO[c.container].join(', ')}` })
  }
  if (c.audioCodec != null && !CONTAINER_AUDIO[c.container].includes(c.audioCodec)) {
    ctx.addIssue({ code: 'custom', path: ['audioCodec'], message: `${c.container} cannot hold ${c.audioCodec}; use ${CONTAINER_AUDIO[c.container].join(', ')}` })
  }
  if (c.faststart === true && c.container !== 'mp4') ctx.addIssue({ code: 'custom', path: ['faststart'], message: 'only applies to mp4' })
}).transform(c => ({
  ...c,
  crf: c.crf ?? DEFAULT_CRF[c.codec],
  audioCodec: c.audioCodec ?? (c.container === 'webm' ? 'opus' as const : 'aac' as const),
  faststart: c.faststart ?? c.container === 'mp4'
}))

export type EncodeConfig = z.output<typeof encodeSchema>

export const encodeStep: StepExecutor<EncodeConfig> = {
  type: 'encode',
  version: '1',
  description: "Encodes a clip for delivery: h264, hevc, vp9 or av1 video with aac or opus sound, in mp4, mkv or webm. Fails before starting when the node's ffmpeg lacks the encoder.",
  inputs: { min: 1, max: 1 },
  schema: encodeSchema,
  output: c => ({ kind: 'media', extension: c.container }),
  probe: () => 'streams',
  needs: c => ({
    encoders: [RECIPE_ENCODERS[c.codec], ...(c.audioCodec !== 'none' ? [RECIPE_ENCODERS[c.audioCodec]] : [])],
    pixelFormat: { encoder: RECIPE_ENCODERS[c.codec], format: c.pixelFormat }
  }),
  plan (c, ctx) {
    const src = input(ctx.inputs, 0)
    const { video, audio } = src.info
    const withAudio = audio != null && c.audioCodec !== 'none'
    if (video == null && !withAudio) {
      throw new StepInputsInvalidError(`encode would write nothing: input 0 has no video${audio != null ? ' and audioCodec is none' : ' and no audio'}`, { field: 'audioCodec' })
    }
    const filters: string[] = []
    if (video != null) {
      let width = c.width ?? video.width
      let height = c.height ?? video.height
      if (c.width != null && c.height == null) height = Math.max(2, Math.round(video.height * c.width / video.width / 2) * 2)
      if (c.height != null && c.width == null) width = Math.max(2, Math.round(video.width * c.height / video.height / 2) * 2)
      // Subsampled formats need even sizes.
      width = evenFloor(width)
      height = evenFloor(height)
      filters.push(width !== video.width || height !== video.height ? `scale=${int(width)}:${int(height)}:flags=${SWS_FLAGS}` : 'null')
      if (c.fps != null) filters.push(`fps=fps=${num(c.fps)}`)
      filters.push(`format=${c.pixelFormat}`)
    }
    return {
      kind: 'ffmpeg',
      expectedDurationS: src.info.still ? null : src.info.durationS,
      commands: [{
        inputs: [{ file: src.file }],
        filterComplex: video != null ? `[0:v:0]${filters.join(',')}[v]` : undefined,
        output: {
          file: ctx.output,
          options: [
            ...(video != null ? ['-map', '[v]', ...videoCodecArgs(c.codec, c.crf, c.preset, c.container)] : []),
            ...(withAudio ? ['-map', '0:a:0', ...audioCodecArgs(c.audioCodec, c.audioBitrate)] : []),
            ...(c.faststart ? ['-movflags', '+faststart'] : []),
            '-f',
            MUXERS[c.container]
          ]
        }
      }]
    }
  }
}
