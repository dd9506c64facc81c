import { num } from '../filters.ts'
import { StepInputsInvalidError } from '../errors.ts'
import { MAX_CHUNKS, joinSchema } from '../../plan/index.ts'
import type { JoinConfig } from '../../plan/index.ts'
import type { StepExecutor } from '../step.ts'
import { MUXERS } from './encode-codecs.ts'

/** The concat list: each chunk with its exact length, so chunk i starts where the frames before it end. */
export function concatList (files: readonly string[], durations: readonly number[], timeBase: readonly [number, number]): string {
  const [tbNum, tbDen] = timeBase
  const lines = ['ffconcat version 1.0']
  files.forEach((file, i) => {
    if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(file)) throw new StepInputsInvalidError(`chunk ${i} has a file name the concat list cannot hold safely: ${JSON.stringify(file)}`)
    lines.push(`file ${file}`, `duration ${num((durations[i] as number) * tbNum / tbDen, 9)}`)
  })
  return `${lines.join('\n')}\n`
}

const LIST = 'chunks.ffconcat'

export const transcodeJoinStep: StepExecutor<JoinConfig> = {
  type: 'transcode_join',
  version: '1',
  description: 'The end of a `transcode`: puts its chunks back together in order, without re-encoding, with the sound, into the delivery file. Written by the expansion of a `transcode`.',
  inputs: { min: 1, max: MAX_CHUNKS + 1 },
  schema: joinSchema,
  output: c => ({ kind: 'media', extension: c.container }),
  probe: () => 'none',
  requires: () => [],
  // A stream copy of parts the submitter already copied: run there, no part and no output crosses the network.
  gathers: true,
  plan (c, ctx) {
    const chunks = c.durations.length
    const expected = chunks + (c.audio ? 1 : 0)
    if (ctx.inputs.length !== expected) {
      throw new StepInputsInvalidError(`transcode_join takes its ${chunks} chunk(s)${c.audio ? ' and the sound' : ''}: ${expected} inputs, got ${ctx.inputs.length}`, { inputs: ctx.inputs.length, expected })
    }
    const files = ctx.inputs.slice(0, chunks).map(i => i.file)
    const audio = c.audio ? ctx.inputs[chunks]?.file : undefined
    return {
      kind: 'ffmpeg',
      files: [{ name: LIST, content: concatList(files, c.durations, c.timeBase) }],
      expectedDurationS: c.durations.reduce((a, b) => a + b, 0) * c.timeBase[0] / c.timeBase[1],
      commands: [{
        inputs: [{ file: LIST, demuxer: 'concat' }, ...(audio != null ? [{ file: audio }] : [])],
        output: {
          file: ctx.output,
          options: [
            '-map',
            '0:v:0',
            ...(audio != null ? ['-map', '1:a:0'] : []),
            '-c',
            'copy',
            ...(c.faststart ? ['-movflags', '+faststart'] : []),
            '-f',
            MUXERS[c.container]
          ]
        }
      }]
    }
  }
}
