import { z } from 'zod'
import { StepInputsInvalidError } from '../errors.ts'
import { atempoChain, num } from '../filters.ts'
import { INTERMEDIATE_FORMAT, intermediateCodecArgs, toIntermediateVideo } from '../intermediate.ts'
import type { StepExecutor } from '../step.ts'
import { color, evenSize, frameRate } from './common.ts'
import { input, videoFps } from './inputs.ts'
import { opFilters } from './transform-ops.ts'
import type { Frame } from './transform-ops.ts'

const scaleOp = z.strictObject({
  op: z.literal('scale'),
  width: evenSize('New width in pixels (even); absent: follows height, keeping the aspect ratio.').optional(),
  height: evenSize('New height in pixels (even); absent: follows width, keeping the aspect ratio.').optional(),
  algorithm: z.enum(['bicubic', 'bilinear', 'lanczos', 'neighbor', 'area']).default('bicubic').meta({ description: 'Scaling algorithm.' })
}).meta({ description: 'Resize the picture.' })

const cropOp = z.strictObject({
  op: z.literal('crop'),
  width: evenSize('Width of the kept area in pixels (even).', 2),
  height: evenSize('Height of the kept area in pixels (even).', 2),
  x: z.number().int().min(0).max(8192).optional().meta({ description: 'Left edge of the kept area; absent: centred.' }),
  y: z.number().int().min(0).max(8192).optional().meta({ description: 'Top edge of the kept area; absent: centred.' })
}).meta({ description: 'Keep a rectangle of the picture.' })

const padOp = z.strictObject({
  op: z.literal('pad'),
  width: evenSize('New width in pixels (even), at least the current width.'),
  height: evenSize('New height in pixels (even), at least the current height.'),
  x: z.number().int().min(0).max(8192).optional().meta({ description: 'Where the picture goes from the left; absent: centred.' }),
  y: z.number().int().min(0).max(8192).optional().meta({ description: 'Where the picture goes from the top; absent: centred.' }),
  color: color('Colour of the added border.').prefault('black')
}).meta({ description: 'Add borders around the picture.' })

const fpsOp = z.strictObject({
  op: z.literal('fps'),
  fps: frameRate('New frame rate (frames are dropped or repeated).')
}).meta({ description: 'Change the frame rate.' })

const speedOp = z.strictObject({
  op: z.literal('speed'),
  factor: z.number().min(0.25).max(4).meta({ description: 'Playback speed: 2 plays twice as fast (half the length), 0.5 half as fast. Sound keeps its pitch.' })
}).meta({ description: 'Play faster or slower, picture and sound together.' })

const rotateOp = z.strictObject({
  op: z.literal('rotate'),
  degrees: z.number().min(-360).max(360).meta({ description: 'Clockwise angle. Multiples of 90 are lossless and swap width and height for 90 and 270.' }),
  expand: z.boolean().default(false).meta({ description: 'Other angles: grow the frame so nothing is cut off (otherwise the size stays and corners are cut).' }),
  color: color('Other angles: colour of the uncovered corners.').prefault('black')
}).meta({ description: 'Rotate the picture.' })

const flipOp = z.strictObject({
  op: z.literal('flip'),
  direction: z.enum(['horizontal', 'vertical', 'both']).meta({ description: '`horizontal` mirrors left and right, `vertical` top and bottom.' })
}).meta({ description: 'Mirror the picture.' })

const colorOp = z.strictObject({
  op: z.literal('color'),
  brightness: z.number().min(-1).max(1).default(0).meta({ description: 'Added brightness; 0 leaves it.' }),
  contrast: z.number().min(0).max(4).default(1).meta({ description: 'Contrast factor; 1 leaves it.' }),
  saturation: z.number().min(0).max(3).default(1).meta({ description: 'Saturation factor; 0 is greyscale, 1 leaves it.' }),
  gamma: z.number().min(0.1).max(10).default(1).meta({ description: 'Gamma; 1 leaves it.' }),
  hue: z.number().min(-180).max(180).default(0).meta({ description: 'Hue rotation in degrees; 0 leaves it.' })
}).meta({ description: 'Adjust brightness, contrast, saturation, gamma and hue.' })

export const transformOp = z.discriminatedUnion('op', [scaleOp, cropOp, padOp, fpsOp, speedOp, rotateOp, flipOp, colorOp])
export type TransformOp = z.output<typeof transformOp>

export const transformSchema = z.strictObject({
  ops: z.array(transformOp).min(1).max(32).meta({ description: 'Operations applied in order, each an object with an `op` field.' })
}).superRefine((c, ctx) => {
  for (const [i, op] of c.ops.entries()) {
    if (op.op === 'scale' && op.width == null && op.height == null) ctx.addIssue({ code: 'custom', path: ['ops', i, 'width'], message: 'scale needs width, height or both' })
  }
})

export type TransformConfig = z.output<typeof transformSchema>

export const transformStep: StepExecutor<TransformConfig> = {
  type: 'transform',
  version: '1',
  description: 'Applies an ordered list of typed operations to one clip: scale, crop, pad, fps, speed, rotate, flip and color.',
  inputs: { min: 1, max: 1 },
  schema: transformSchema,
  output: () => ({ kind: 'media', extension: INTERMEDIATE_FORMAT.extension }),
  probe: () => 'streams',
  plan (c, ctx) {
    const src = input(ctx.inputs, 0)
    const { video, audio } = src.info
    const videoFilters: string[] = []
    const audioFilters: string[] = []
    let frame: Frame | null = video != null ? { width: video.width, height: video.height } : null
    let rate = videoFps(video)
    let speed = 1
    for (const [i, op] of c.ops.entries()) {
      if (op.op === 'speed') {
        speed *= op.factor
        videoFilters.push(`setpts=PTS*${num(1 / op.factor, 9)}`)
        audioFilters.push(...atempoChain(op.factor))
        continue
      }
      if (frame == null) throw new StepInputsInvalidError(`transform ops[${i}] (${op.op}) needs video, and input 0 has none`, { field: `ops[${i}]` })
      const applied = opFilters(op, frame, `ops[${i}]`)
      videoFilters.push(...applied.filters)
      frame = applied.frame
      if (op.op === 'fps') rate = op.fps
    }
    const videoLength = video?.durationS ?? src.info.durationS
    if (speed !== 1 && videoLength != null && !src.info.still) {
      // A changed speed keeps the frame rate (frames are dropped or repeated). Older ffmpeg
      // ends the fps filter at the unscaled end time, so the tail is padded, then cut exactly.
      videoFilters.push(`fps=fps=${num(rate)}`, `tpad=stop_mode=clone:stop_duration=${num(4 / rate)}`, `trim=end=${num(videoLength / speed)}`)
    }
    const chains: string[] = []
    if (video != null && frame != null) {
      // Odd sizes (from an odd source) are cropped to even ones for yuv420p.
      chains.push(toIntermediateVideo('0:v:0', videoFilters.length > 0 ? videoFilters : ['null'], 'v', frame))
    }
    if (audio != null) chains.push(`[0:a:0]${audioFilters.length > 0 ? audioFilters.join(',') : 'anull'}[a]`)
    const length = src.info.durationS != null && !src.info.still ? src.info.durationS / speed : null
    return {
      kind: 'ffmpeg',
      expectedDurationS: length,
      commands: [{
        inputs: [{ file: src.file }],
        filterComplex: chains.join(';'),
        output: {
          file: ctx.output,
          options: [
            ...(video != null ? ['-map', '[v]'] : []),
            ...(audio != null ? ['-map', '[a]'] : []),
            ...intermediateCodecArgs({ video: video != null, audio: audio != null })
          ]
        }
      }]
    }
  }
}
