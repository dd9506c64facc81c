import { z } from 'zod'
import { ffColor, int, num } from '../filters.ts'
import { INTERMEDIATE_FORMAT, intermediateCodecArgs } from '../intermediate.ts'
import type { StepExecutor } from '../step.ts'
import { SAMPLE_RATES, color, duration, evenSize, frameRate } from './common.ts'

const PATTERNS = ['testsrc', 'testsrc2', 'smptebars', 'smptehdbars', 'rgbtestsrc', 'yuvtestsrc', 'mandelbrot', 'color', 'noise', 'none'] as const
const SOUNDS = ['sine', 'silence', 'noise', 'none'] as const

/** Synthesized noise level: the same as ffmpeg's sine (1/8 of full scale). */
const NOISE_AMPLITUDE = 0.125

export const generateSchema = z.strictObject({
  duration: duration('Length of the clip in seconds.', 3600).default(5),
  pattern: z.enum(PATTERNS).default('testsrc2').meta({ description: 'Picture: a test pattern, a solid `color`, grey `noise`, or `none` for audio only.' }),
  color: color('Colour of the `color` picture.').prefault('black'),
  width: evenSize('Frame width in pixels (even).').default(1280),
  height: evenSize('Frame height in pixels (even).').default(720),
  fps: frameRate('Frames per second.').default(25),
  audio: z.enum(SOUNDS).default('sine').meta({ description: 'Sound: a `sine` tone, `silence`, white `noise`, or `none` for no audio stream.' }),
  frequency: z.number().min(1).max(20_000).default(440).meta({ description: 'Frequency of the sine tone in Hz.' }),
  sampleRate: z.literal(SAMPLE_RATES).default(48_000).meta({ description: 'Audio sample rate in Hz.' }),
  seed: z.number().int().min(0).max(2_147_483_647).default(0).meta({ description: 'Seed of the noise picture and noise sound: the same seed gives the same noise.' })
}).superRefine((config, ctx) => {
  if (config.pattern === 'none' && config.audio === 'none') {
    ctx.addIssue({ code: 'custom', path: ['audio'], message: 'pattern and audio cannot both be none' })
  }
})

export type GenerateConfig = z.output<typeof generateSchema>

function videoSource (c: GenerateConfig): string | null {
  const size = `s=${int(c.width)}x${int(c.height)}:r=${num(c.fps)}`
  switch (c.pattern) {
    case 'none':
      return null
    case 'color':
      return `color=c=${ffColor(c.color)}:${size}`
    case 'noise':
      return `color=c=0x808080ff:${size},noise=alls=100:allf=t+u:all_seed=${int(c.seed)}`
    case 'mandelbrot':
      return `mandelbrot=${size}`
    default:
      return `${c.pattern}=${size}`
  }
}

function audioSource (c: GenerateConfig): string | null {
  const rate = int(c.sampleRate)
  switch (c.audio) {
    case 'none':
      return null
    case 'sine':
      return `sine=f=${num(c.frequency)}:r=${rate}`
    case 'silence':
      return `anullsrc=r=${rate}:cl=stereo`
    case 'noise':
      return `anoisesrc=r=${rate}:a=${num(NOISE_AMPLITUDE)}:c=white:s=${int(c.seed)}`
  }
}

export const generateStep: StepExecutor<GenerateConfig> = {
  type: 'generate',
  version: '1',
  description: 'Synthesizes a clip from nothing: a test pattern, a solid colour or noise, with a sine tone, silence, noise or no sound. Takes no inputs.',
  inputs: { min: 0, max: 0 },
  schema: generateSchema,
  output: () => ({ kind: 'media', extension: INTERMEDIATE_FORMAT.extension }),
  probe: () => 'none',
  plan (c, ctx) {
    const video = videoSource(c)
    const audio = audioSource(c)
    const chains: string[] = []
    const maps: string[] = []
    if (video != null) {
      chains.push(`${video},format=yuv420p[v]`)
      maps.push('-map', '[v]')
    }
    if (audio != null) {
      chains.push(`${audio},aformat=channel_layouts=stereo[a]`)
      maps.push('-map', '[a]')
    }
    return {
      kind: 'ffmpeg',
      expectedDurationS: c.duration,
      commands: [{
        inputs: [],
        filterComplex: chains.join(';'),
        output: {
          file: ctx.output,
          options: [...maps, '-t', num(c.duration), ...intermediateCodecArgs({ video: video != null, audio: audio != null })]
        }
      }]
    }
  }
}
