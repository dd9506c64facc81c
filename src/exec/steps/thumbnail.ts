import { z } from 'zod'
import { SWS_FLAGS } from '../command.ts'
import { StepInputsInvalidError } from '../errors.ts'
import { int, num } from '../filters.ts'
import type { StepExecutor } from '../step.ts'
import { seconds } from './common.ts'
import { input, requireVideo } from './inputs.ts'

export const thumbnailSchema = z.strictObject({
  time: seconds('When to take the picture, in seconds from the start.').default(0),
  width: z.number().int().min(16).max(8192).optional().meta({ description: "Width of the picture in pixels; its height keeps the aspect ratio. Absent: the video's size." })
})

export type ThumbnailConfig = z.output<typeof thumbnailSchema>

export const thumbnailStep: StepExecutor<ThumbnailConfig> = {
  type: 'thumbnail',
  version: '1',
  description: 'Takes one frame of a clip as a PNG picture.',
  inputs: { min: 1, max: 1 },
  schema: thumbnailSchema,
  output: () => ({ kind: 'image', extension: 'png' }),
  probe: () => 'streams',
  plan (c, ctx) {
    const src = input(ctx.inputs, 0)
    const video = requireVideo('thumbnail', ctx.inputs, 0)
    const length = src.info.still ? null : src.info.durationS
    if (length != null && c.time >= length) {
      throw new StepInputsInvalidError(`thumbnail time ${c.time} s is at or past the end of input 0 (${length} s)`, { field: 'time', inputDurationS: length })
    }
    const filters: string[] = []
    if (c.width != null) filters.push(`scale=${int(c.width)}:${int(Math.max(1, Math.round(video.height * c.width / video.width)))}:flags=${SWS_FLAGS}`)
    filters.push('format=rgb24')
    return {
      kind: 'ffmpeg',
      expectedDurationS: null,
      commands: [{
        inputs: [{ file: src.file, options: c.time > 0 ? ['-ss', num(c.time)] : [] }],
        filterComplex: `[0:v:0]${filters.join(',')}[v]`,
        output: { file: ctx.output, options: ['-map', '[v]', '-frames:v', '1', '-c:v', 'png', '-f', 'image2', '-update', '1'] }
      }]
    }
  }
}
