import { int } from '../filters.ts'
import { SOUND_OFFSET_S, soundSchema } from '../../plan/index.ts'
import type { SoundConfig } from '../../plan/index.ts'
import type { StepExecutor } from '../step.ts'
import { input } from './inputs.ts'

/**
 * The sound of a transcode's source, copied out without re-encoding, next to
 * its analysis: the node that has the source reads it whole once anyway. NUT
 * keeps the stream's time base and its packets' side data (priming, pre-skip):
 * decoding the copy gives the samples the source gives, at the same times plus
 * SOUND_OFFSET_S (NUT takes no negative time). The sound step reads the copy, a
 * few percent of the source, instead of every block of it.
 */
export const transcodeSoundStep: StepExecutor<SoundConfig> = {
  type: 'transcode_sound',
  version: '1',
  description:
    `The sound of a \`transcode\`'s source, copied out without re-encoding (NUT, timestamps kept, moved ${SOUND_OFFSET_S} s later), for \`transcode_audio\` to read instead of the whole source. Made with the source's analysis, on the node that holds the source.`,
  inputs: { min: 1, max: 1 },
  schema: soundSchema,
  output: () => ({ kind: 'media', extension: 'nut' }),
  probe: () => 'none',
  streamInputs: () => true,
  requires: () => [],
  plan (c, ctx) {
    const src = input(ctx.inputs, 0)
    return {
      kind: 'ffmpeg',
      expectedDurationS: null,
      commands: [{
        // The source's own timestamps (-seek_timestamp without -ss: no shift), moved later, never shifted by the muxer.
        inputs: [{ file: src.file, options: ['-seek_timestamp', '1'] }],
        output: {
          file: ctx.output,
          options: ['-map', `0:${int(c.stream)}`, '-c', 'copy', '-output_ts_offset', String(SOUND_OFFSET_S), '-avoid_negative_ts', 'disabled', '-f', 'nut']
        }
      }]
    }
  }
}
