import { z } from 'zod'
import { StepInputsInvalidError } from '../errors.ts'
import { int, num } from '../filters.ts'
import { INTERMEDIATE_FORMAT, intermediateCodecArgs, isIntermediateVideo, toIntermediateVideo } from '../intermediate.ts'
import type { StepExecutor } from '../step.ts'
import { SAMPLE_RATES } from './common.ts'
import { input, requireAudio, requireTimed, videoFps } from './inputs.ts'

export const MAX_MIX_INPUTS = 16

export const audioMixSchema = z.strictObject({
  volumes: z.array(z.number().min(0).max(4)).min(2).max(MAX_MIX_INPUTS).optional().meta({
    description: 'Gain of each input, in input order (1 keeps its level, 0 mutes it); absent: 1 for every input. The mix is the sum of the inputs at these gains.'
  }),
  duration: z.enum(['longest', 'shortest', 'first']).default('longest').meta({ description: 'Length of the mix: the `longest` input (shorter ones end in silence), the `shortest`, or the `first` input.' }),
  sampleRate: z.literal(SAMPLE_RATES).default(48_000).meta({ description: 'Sample rate of the mix in Hz.' })
})

export type AudioMixConfig = z.output<typeof audioMixSchema>

export const audioMixStep: StepExecutor<AudioMixConfig> = {
  type: 'audio_mix',
  version: '1',
  description: "Mixes the sound of 2 or more inputs, each at its own gain. The first input's video, if it has one, is kept (cut to the mix's length).",
  inputs: { min: 2, max: MAX_MIX_INPUTS },
  schema: audioMixSchema,
  output: () => ({ kind: 'media', extension: INTERMEDIATE_FORMAT.extension }),
  probe: () => 'streams',
  plan (c, ctx) {
    const n = ctx.inputs.length
    if (c.volumes != null && c.volumes.length !== n) {
      throw new StepInputsInvalidError(`audio_mix volumes has ${c.volumes.length} entries for ${n} inputs`, { field: 'volumes' })
    }
    const lengths = ctx.inputs.map((_, i) => {
      requireAudio('audio_mix', ctx.inputs, i)
      return ctx.inputs[i]?.info.audio?.durationS ?? requireTimed('audio_mix', ctx.inputs, i)
    })
    const length = c.duration === 'longest' ? Math.max(...lengths) : c.duration === 'shortest' ? Math.min(...lengths) : lengths[0] as number
    const chains: string[] = []
    for (let i = 0; i < n; i++) {
      // amix divides by the number of inputs; every input runs the whole length (padded), so ×n makes the mix a plain sum.
      const gain = (c.volumes?.[i] ?? 1) * n
      chains.push(`[${i}:a:0]aresample=${int(c.sampleRate)},aformat=sample_fmts=fltp:channel_layouts=stereo,volume=${num(gain, 9)},apad,atrim=end=${num(length)}[a${i}]`)
    }
    chains.push(`${Array.from({ length: n }, (_, i) => `[a${i}]`).join('')}amix=inputs=${n}:duration=longest:dropout_transition=0[a]`)

    const first = input(ctx.inputs, 0)
    const video = first.info.video
    const videoLength = video?.durationS ?? first.info.durationS ?? 0
    const cut = video != null && !first.info.still && videoLength > length + 0.5 / videoFps(video)
    const copy = video != null && !cut && !first.info.still && isIntermediateVideo(video.codec, video.pixelFormat)
    if (video != null && !copy) chains.push(toIntermediateVideo('0:v:0', cut ? [`trim=end=${num(length)}`] : ['null'], 'v', video))
    const videoArgs = video == null ? [] : copy ? ['-map', '0:v:0', '-c:v', 'copy'] : ['-map', '[v]']
    return {
      kind: 'ffmpeg',
      expectedDurationS: length,
      commands: [{
        inputs: ctx.inputs.map(i => ({ file: i.file })),
        filterComplex: chains.join(';'),
        output: {
          file: ctx.output,
          options: [...videoArgs, '-map', '[a]', ...intermediateCodecArgs({ video: video != null && !copy, audio: true })]
        }
      }]
    }
  }
}
