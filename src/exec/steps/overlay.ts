import { z } from 'zod'
import { SWS_FLAGS } from '../command.ts'
import { OVERLAY_VARS, enableWindow, int, num, placement } from '../filters.ts'
import { INTERMEDIATE_FORMAT, intermediateCodecArgs, toIntermediateVideo } from '../intermediate.ts'
import type { StepExecutor } from '../step.ts'
import { checkWindow, placementFields, windowFields } from './common.ts'
import { input, requireVideo } from './inputs.ts'

export const overlaySchema = z.strictObject({
  ...placementFields('top-left'),
  scale: z.number().min(0.01).max(10).default(1).meta({ description: 'Size of the overlay relative to its own size (ignored when `width` is given).' }),
  width: z.number().int().min(1).max(8192).optional().meta({ description: 'Width of the overlay in pixels; its height keeps the aspect ratio.' }),
  opacity: z.number().min(0).max(1).default(1).meta({ description: 'Opacity of the overlay: 0 invisible, 1 opaque (its own transparency is kept).' }),
  ...windowFields('the overlay'),
  afterEnd: z.enum(['hold', 'hide']).default('hold').meta({ description: 'When a video overlay ends before its window: `hold` its last frame or `hide` it.' })
}).superRefine(checkWindow)

export type OverlayConfig = z.output<typeof overlaySchema>

export const overlayStep: StepExecutor<OverlayConfig> = {
  type: 'overlay',
  version: '1',
  description: 'Puts one picture over another: input 0 is the base clip, input 1 the overlay (a picture such as a PNG watermark, or a video for picture-in-picture). ' +
    "A video overlay starts playing when its window opens. The output keeps the base's size, frame rate, length and sound.",
  inputs: { min: 2, max: 2 },
  schema: overlaySchema,
  output: () => ({ kind: 'media', extension: INTERMEDIATE_FORMAT.extension }),
  probe: () => 'streams',
  plan (c, ctx) {
    const base = input(ctx.inputs, 0)
    const baseVideo = requireVideo('overlay', ctx.inputs, 0)
    const over = input(ctx.inputs, 1)
    const overVideo = requireVideo('overlay', ctx.inputs, 1)
    const width = c.width ?? Math.max(1, Math.round(overVideo.width * c.scale))
    const height = c.width != null ? Math.max(1, Math.round(overVideo.height * c.width / overVideo.width)) : Math.max(1, Math.round(overVideo.height * c.scale))

    const overFilters = [`scale=${int(width)}:${int(height)}:flags=${SWS_FLAGS}`, 'format=rgba']
    if (c.opacity < 1) overFilters.push(`colorchannelmixer=aa=${num(c.opacity)}`)
    if (!over.info.still && c.start > 0) overFilters.push(`setpts=PTS+${num(c.start)}/TB`)
    const { x, y } = placement(c.anchor, c.margin, c.x, c.y, OVERLAY_VARS)
    // A picture is one frame: it is always held.
    const eof = c.afterEnd === 'hold' || over.info.still ? 'repeat' : 'pass'
    const chains = [
      `[1:v:0]${overFilters.join(',')}[over]`,
      `[0:v:0][over]overlay=x=${x}:y=${y}:eof_action=${eof}${enableWindow(c.start, c.end)}[composed]`,
      toIntermediateVideo('composed', ['null'], 'v', baseVideo)
    ]
    const audio = base.info.audio != null
    const length = base.info.still ? null : base.info.durationS
    return {
      kind: 'ffmpeg',
      expectedDurationS: length,
      commands: [{
        inputs: [{ file: base.file }, { file: over.file }],
        filterComplex: chains.join(';'),
        output: {
          file: ctx.output,
          options: [
            '-map',
            '[v]',
            ...(audio ? ['-map', '0:a:0'] : []),
            // The base sets the length, even when the overlay runs longer.
            ...(length != null ? ['-t', num(length)] : []),
            ...intermediateCodecArgs({ video: true, audio })
          ]
        }
      }]
    }
  }
}
