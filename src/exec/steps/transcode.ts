import { TranscodeNotExpandedError, transcodeSchema } from '../../plan/index.ts'
import type { TranscodeSettings } from '../../plan/index.ts'
import type { StepExecutor } from '../step.ts'
import { chunkRequirement } from './transcode-encoders.ts'

/**
 * `transcode`: one long video encoded over the whole cluster. It never runs
 * as it is: before the job is planned its source is analysed and the node is
 * expanded into `transcode_chunk` steps, one `transcode_audio` and a
 * `transcode_join` (src/plan/transcode/). Reaching an executor means that was
 * skipped, and it says so.
 */
export const transcodeStep: StepExecutor<TranscodeSettings> = {
  type: 'transcode',
  version: '1',
  description:
    "Encodes one long video over the whole cluster, like `encode` but in chunks cut at the source's keyframes, each encoded on whichever node is free, the sound encoded once, then joined without a seam. Its input must be a recipe input (the source is analysed before the job is planned). `artdag plan` shows the chunks.",
  inputs: { min: 1, max: 1 },
  schema: transcodeSchema,
  output: c => ({ kind: 'media', extension: c.container }),
  probe: () => 'none',
  requires: c => [chunkRequirement(c.codec, c.hardware), ...(c.audioCodec !== 'none' ? [c.audioCodec] : [])],
  plan () {
    throw new TranscodeNotExpandedError('a transcode step reached an executor unexpanded: its source must be analysed and the step expanded into chunks before the job is planned (the submitting artdag is too old, or a bug)')
  }
}
