import { z } from 'zod'
import { int, num } from '../filters.ts'
import { INTERMEDIATE_FORMAT, intermediateCodecArgs, isIntermediateVideo, toIntermediateVideo } from '../intermediate.ts'
import type { StepExecutor } from '../step.ts'
import { input, requireAudio, requireTimed, requireVideo, videoFps } from './inputs.ts'

export const muxSchema = z.strictObject({
  shortest: z.boolean().default(true).meta({ description: 'End with the shorter of the picture and the sound; otherwise run to the longer one.' }),
  offset: z.number().min(-3600).max(3600).default(0).meta({ description: 'Seconds to delay the sound (positive) or to cut from its start (negative).' })
})

export type MuxConfig = z.output<typeof muxSchema>

export const muxStep: StepExecutor<MuxConfig> = {
  type: 'mux',
  version: '1',
  description: 'Combines the video of input 0 with the sound of input 1, replacing any sound input 0 had.',
  inputs: { min: 2, max: 2 },
  schema: muxSchema,
  output: () => ({ kind: 'media', extension: INTERMEDIATE_FORMAT.extension }),
  probe: () => 'streams',
  plan (c, ctx) {
    const pictures = input(ctx.inputs, 0)
    const video = requireVideo('mux', ctx.inputs, 0)
    const videoLength = requireTimed('mux', ctx.inputs, 0)
    const sound = input(ctx.inputs, 1)
    requireAudio('mux', ctx.inputs, 1)
    const soundLength = Math.max(0, (sound.info.audio?.durationS ?? requireTimed('mux', ctx.inputs, 1)) + c.offset)
    const length = c.shortest ? Math.min(videoLength, soundLength) : Math.max(videoLength, soundLength)

    const audioFilters = ['aformat=channel_layouts=stereo']
    if (c.offset > 0) {
      // Whole milliseconds: older adelay takes integers only.
      const ms = int(Math.round(c.offset * 1000))
      audioFilters.push(`adelay=${ms}|${ms}`)
    } else if (c.offset < 0) {
      audioFilters.push(`atrim=start=${num(-c.offset)}`, 'asetpts=PTS-STARTPTS')
    }
    if (c.shortest) audioFilters.push(`atrim=end=${num(length)}`)
    const chains = [`[1:a:0]${audioFilters.join(',')}[a]`]

    const cut = c.shortest && videoLength > length + 0.5 / videoFps(video)
    const copy = !cut && isIntermediateVideo(video.codec, video.pixelFormat)
    if (!copy) chains.push(toIntermediateVideo('0:v:0', cut ? [`trim=end=${num(length)}`] : ['null'], 'v', video))
    return {
      kind: 'ffmpeg',
      expectedDurationS: length,
      commands: [{
        inputs: [{ file: pictures.file }, { file: sound.file }],
        filterComplex: chains.join(';'),
        output: {
          file: ctx.output,
          options: [
            ...(copy ? ['-map', '0:v:0', '-c:v', 'copy'] : ['-map', '[v]']),
            '-map',
            '[a]',
            ...intermediateCodecArgs({ video: !copy, audio: true })
          ]
        }
      }]
    }
  }
}
