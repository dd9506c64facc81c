import { z } from 'zod'
import { SWS_FLAGS } from '../command.ts'
import { StepInputsInvalidError } from '../errors.ts'
import { evenFloor, ffColor, int, num } from '../filters.ts'
import { INTERMEDIATE_FORMAT, intermediateCodecArgs } from '../intermediate.ts'
import type { StepExecutor, StepInput } from '../step.ts'
import { SAMPLE_RATES, color, evenSize, frameRate } from './common.ts'
import { requireTimed } from './inputs.ts'

export const FITS = ['contain', 'cover', 'stretch'] as const
export type Fit = typeof FITS[number]

export const sequenceSchema = z.strictObject({
  width: evenSize("Output width in pixels (even); absent: the first input's width.").optional(),
  height: evenSize("Output height in pixels (even); absent: the first input's height.").optional(),
  fps: frameRate("Output frame rate; absent: the first input's.").optional(),
  sampleRate: z.literal(SAMPLE_RATES).default(48_000).meta({ description: 'Output audio sample rate in Hz.' }),
  fit: z.enum(FITS).default('contain').meta({ description: 'How a clip of another shape fills the frame: `contain` (scale to fit, pad the rest), `cover` (scale to fill, crop the rest) or `stretch`.' }),
  background: color('Colour of the padding added by `fit: contain`.').prefault('black')
})

export type SequenceConfig = z.output<typeof sequenceSchema>

/** Scales a video chain to exactly width×height according to `fit`. */
export function fitFilters (fit: Fit, width: number, height: number, background: string): string[] {
  const w = int(width)
  const h = int(height)
  const flags = `flags=${SWS_FLAGS}`
  switch (fit) {
    case 'contain':
      return [`scale=${w}:${h}:force_original_aspect_ratio=decrease:${flags}`, `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=${ffColor(background)}`, 'setsar=1']
    case 'cover':
      return [`scale=${w}:${h}:force_original_aspect_ratio=increase:${flags}`, `crop=${w}:${h}`, 'setsar=1']
    case 'stretch':
      return [`scale=${w}:${h}:${flags}`, 'setsar=1']
  }
}

/** The clip's length: its video's when it has one (audio is fitted to it), else its audio's. */
function clipDuration (clip: StepInput, total: number): number {
  return clip.info.video?.durationS ?? total
}

export const sequenceStep: StepExecutor<SequenceConfig> = {
  type: 'sequence',
  version: '1',
  description: 'Plays 2 or more clips one after another. Clips of other sizes, frame rates or sample rates are normalized first (scaled and padded to one size, one frame rate, one sample rate); a clip without sound gets silence.',
  inputs: { min: 2, max: 64 },
  schema: sequenceSchema,
  output: () => ({ kind: 'media', extension: INTERMEDIATE_FORMAT.extension }),
  probe: () => 'streams',
  plan (c, ctx) {
    const clips = ctx.inputs
    const totals = clips.map((_, i) => requireTimed('sequence', clips, i))
    const withVideo = clips[0]?.info.video != null
    const odd = clips.findIndex(clip => (clip.info.video != null) !== withVideo)
    if (odd >= 0) {
      throw new StepInputsInvalidError(`sequence needs all inputs with video or all without: input 0 ${withVideo ? 'has' : 'has no'} video, input ${odd} ${withVideo ? 'has none' : 'has'}`, { input: odd })
    }
    const withAudio = clips.some(clip => clip.info.audio != null)
    const first = clips[0]?.info.video
    const width = c.width ?? evenFloor(first?.width ?? 2)
    const height = c.height ?? evenFloor(first?.height ?? 2)
    const rate = c.fps != null ? num(c.fps) : first?.frameRate != null ? `${int(first.frameRate.num)}/${int(first.frameRate.den)}` : '25'
    const sampleRate = int(c.sampleRate)

    const chains: string[] = []
    const pads: string[] = []
    let total = 0
    for (const [i, clip] of clips.entries()) {
      const d = num(clipDuration(clip, totals[i] as number))
      total += clipDuration(clip, totals[i] as number)
      if (withVideo) {
        chains.push(`[${i}:v:0]${[...fitFilters(c.fit, width, height, c.background), `fps=fps=${rate}`, 'format=yuv420p'].join(',')}[v${i}]`)
        pads.push(`[v${i}]`)
      }
      if (withAudio) {
        const audio = clip.info.audio != null
          ? `[${i}:a:0]aresample=${sampleRate},aformat=sample_fmts=fltp:channel_layouts=stereo,apad,atrim=end=${d}`
          : `anullsrc=r=${sampleRate}:cl=stereo,atrim=end=${d}`
        chains.push(`${audio},asetpts=PTS-STARTPTS[a${i}]`)
        pads.push(`[a${i}]`)
      }
    }
    chains.push(`${pads.join('')}concat=n=${clips.length}:v=${withVideo ? 1 : 0}:a=${withAudio ? 1 : 0}${withVideo ? '[v]' : ''}${withAudio ? '[a]' : ''}`)
    return {
      kind: 'ffmpeg',
      expectedDurationS: total,
      commands: [{
        inputs: clips.map(clip => ({ file: clip.file })),
        filterComplex: chains.join(';'),
        output: {
          file: ctx.output,
          options: [
            ...(withVideo ? ['-map', '[v]'] : []),
            ...(withAudio ? ['-map', '[a]'] : []),
            ...intermediateCodecArgs({ video: withVideo, audio: withAudio })
          ]
        }
      }]
    }
  }
}
