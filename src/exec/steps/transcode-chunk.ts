import { SWS_FLAGS } from '../command.ts'
import { int } from '../filters.ts'
import { chunkContainerOf, chunkSchema } from '../../plan/index.ts'
import type { ChunkConfig } from '../../plan/index.ts'
import type { StepExecutor } from '../step.ts'
import { chunkEncoder, chunkEncoderArgs, chunkRequirement, hardwareInputOptions, hardwareUploadFilters } from './transcode-encoders.ts'
import { MUXERS } from './encode-codecs.ts'
import { input } from './inputs.ts'

/** Ticks → microseconds, rounded up, exactly (BigInt: tick counts times 10⁶ pass 2⁵³). */
export function ceilMicros (ticks: number, num: number, den: number): bigint {
  const scaled = BigInt(ticks) * BigInt(num) * 1_000_000n
  const d = BigInt(den)
  const q = scaled / d
  return scaled % d > 0n ? q + 1n : q
}

/** Microseconds as ffmpeg's decimal seconds (`5.000001`, `-0.5`). */
export function microsText (us: bigint): string {
  const sign = us < 0n ? '-' : ''
  const abs = us < 0n ? -us : us
  return `${sign}${abs / 1_000_000n}.${String(abs % 1_000_000n).padStart(6, '0')}`
}

/**
 * The timestamps a chunk's filters see. A seeking chunk asks ffmpeg to seek to
 * its keyframe (`-seek_timestamp 1 -ss`, the time rounded up to the
 * microsecond so the seek lands on that keyframe and not the one before); its
 * timestamps then start at the keyframe (0). The first chunk does not seek and
 * keeps the source's timestamps (as does a chunk told not to seek: it decodes
 * from the start, slower, where a time base finer than 2 µs would make the
 * seek's own trim drop the keyframe). `trim` then keeps exactly the frames in
 * [startPts, endPts), with half a frame of slack on each side against rounding.
 */
export function chunkTrim (c: ChunkConfig): { seekS: string | null, from: number | null, to: number | null } {
  const [tbNum, tbDen] = c.timeBase
  const slack = Math.max(0, c.margin)
  if (c.seek) {
    return {
      seekS: microsText(ceilMicros(c.startPts, tbNum, tbDen)),
      from: -slack,
      to: c.endPts != null ? c.endPts - c.startPts - slack : null
    }
  }
  return { seekS: null, from: c.index > 0 ? c.startPts - slack : null, to: c.endPts != null ? c.endPts - slack : null }
}

export const transcodeChunkStep: StepExecutor<ChunkConfig> = {
  type: 'transcode_chunk',
  version: '1',
  description:
    'One chunk of a `transcode`: encodes exactly the source frames shown from one clean keyframe to the next cut, starting with a keyframe and keeping their timestamps, for `transcode_join` to put back together. Written by the expansion of a `transcode`; reads only the byte ranges of the source it needs.',
  inputs: { min: 1, max: 1 },
  schema: chunkSchema,
  output: c => ({ kind: 'media', extension: chunkContainerOf(c.codec) }),
  probe: () => 'none',
  streamInputs: () => true,
  requires: c => [chunkRequirement(c.codec, c.hardware)],
  gathered: true,
  needs: c => ({ encoders: [chunkEncoder(c.codec, c.hardware)], ...(c.hardware === 'none' ? { pixelFormat: { encoder: chunkEncoder(c.codec, c.hardware), format: c.pixelFormat } } : {}) }),
  plan (c, ctx) {
    const src = input(ctx.inputs, 0)
    const [tbNum, tbDen] = c.timeBase
    const trim = chunkTrim(c)
    const filters: string[] = []
    if (trim.from != null || trim.to != null) {
      filters.push(`trim=${[trim.from != null ? `start_pts=${int(trim.from)}` : null, trim.to != null ? `end_pts=${int(trim.to)}` : null].filter(x => x != null).join(':')}`)
    }
    if (c.width != null && c.height != null) filters.push(`scale=${int(c.width)}:${int(c.height)}:flags=${SWS_FLAGS}`)
    filters.push(`format=${c.pixelFormat}`, ...hardwareUploadFilters(c.hardware))
    const container = chunkContainerOf(c.codec)
    const durationS = c.endPts != null ? (c.endPts - c.startPts) * tbNum / tbDen : null
    return {
      kind: 'ffmpeg',
      expectedDurationS: durationS,
      commands: [{
        inputs: [{
          file: src.file,
          options: [...hardwareInputOptions(c.hardware), '-seek_timestamp', '1', ...(trim.seekS != null ? ['-ss', trim.seekS] : [])]
        }],
        filterComplex: `[0:${int(c.stream)}]${filters.join(',')}[v]`,
        output: {
          file: ctx.output,
          options: [
            '-map',
            '[v]',
            '-an',
            '-sn',
            '-dn',
            // Every frame keeps its own time: no frame is dropped or repeated, the time base is the source's.
            '-vsync',
            'passthrough',
            '-enc_time_base',
            `${int(tbNum)}:${int(tbDen)}`,
            ...chunkEncoderArgs(c.codec, c.hardware, c.crf, c.preset, container),
            '-f',
            MUXERS[container]
          ]
        }
      }]
    }
  }
}
