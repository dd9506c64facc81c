import { int, num } from '../filters.ts'
import { audioSchema } from '../../plan/index.ts'
import type { AudioConfig } from '../../plan/index.ts'
import type { StepExecutor } from '../step.ts'
import { audioCodecArgs } from './encode-codecs.ts'
import { input } from './inputs.ts'

/** aac goes into an m4a (mp4 keeps its priming exact), opus into Matroska. */
function containerOf (codec: AudioConfig['codec']): { extension: string, muxer: string } {
  return codec === 'aac' ? { extension: 'm4a', muxer: 'mp4' } : { extension: 'mka', muxer: 'matroska' }
}

export const transcodeAudioStep: StepExecutor<AudioConfig> = {
  type: 'transcode_audio',
  version: '1',
  description:
    "The sound of a `transcode`, encoded once for the whole file on the video's timeline: it starts when the video starts and ends when it ends, with silence where the source has none. Written by the expansion of a `transcode`; reads the sound copied out of the source (`transcode_sound`) when there is one, else the source.",
  inputs: { min: 1, max: 1 },
  schema: audioSchema,
  output: c => ({ kind: 'media', extension: containerOf(c.codec).extension }),
  probe: () => 'none',
  streamInputs: () => true,
  requires: c => [c.codec],
  gathered: true,
  needs: c => ({ encoders: [c.codec === 'aac' ? 'aac' : 'libopus'] }),
  plan (c, ctx) {
    const src = input(ctx.inputs, 0)
    const [tbNum, tbDen] = c.timeBase
    // The sound copied out of the source (transcode_sound) is on the source's timeline moved offsetS later.
    const startS = c.startPts * tbNum / tbDen + (c.offsetS ?? 0)
    const durationS = (c.endPts - c.startPts) * tbNum / tbDen
    // The input's own timestamps (-seek_timestamp without -ss: no shift), moved so the video starts at 0;
    // gaps filled with silence, the start padded or cut to 0, the end padded and cut at the video's end.
    const filters = [
      `asetpts=PTS-${num(startS, 9)}/TB`,
      'aresample=async=1:min_hard_comp=0.01:first_pts=0',
      'apad',
      `atrim=end=${num(durationS, 6)}`
    ]
    return {
      kind: 'ffmpeg',
      expectedDurationS: durationS,
      commands: [{
        inputs: [{ file: src.file, options: ['-seek_timestamp', '1'] }],
        filterComplex: `[0:${int(c.stream)}]${filters.join(',')}[a]`,
        output: {
          file: ctx.output,
          options: ['-map', '[a]', '-vn', '-sn', '-dn', ...audioCodecArgs(c.codec, c.bitrate), '-f', containerOf(c.codec).muxer]
        }
      }]
    }
  }
}
