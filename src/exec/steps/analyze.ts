import { z } from 'zod'
import type { MediaInfo, StreamInfo } from '../probe-parse.ts'
import type { StepExecutor } from '../step.ts'
import { input } from './inputs.ts'

export const analyzeSchema = z.strictObject({})

export type AnalyzeConfig = z.output<typeof analyzeSchema>

/** The analysis document: a fixed shape with fixed key order, so the same input gives the same bytes. */
export interface Analysis {
  format: { name: string, durationS: number | null, sizeBytes: number | null, bitRate: number | null, still: boolean }
  streams: StreamInfo[]
}

function stream (s: StreamInfo): StreamInfo {
  const common = { index: s.index, type: s.type, codec: s.codec, profile: s.profile, durationS: s.durationS, bitRate: s.bitRate, attachedPic: s.attachedPic }
  if (s.type === 'video') return { ...common, width: s.width, height: s.height, pixelFormat: s.pixelFormat ?? null, frameRate: s.frameRate ?? null }
  if (s.type === 'audio') return { ...common, sampleRate: s.sampleRate, channels: s.channels, channelLayout: s.channelLayout ?? null }
  return common
}

export function analysisOf (info: MediaInfo): Analysis {
  return {
    format: { name: info.formatName, durationS: info.durationS, sizeBytes: info.sizeBytes, bitRate: info.bitRate, still: info.still },
    streams: info.streams.map(stream)
  }
}

export const analyzeStep: StepExecutor<AnalyzeConfig> = {
  type: 'analyze',
  version: '1',
  description: 'Describes a media file with ffprobe: container, duration, size, bitrate and each stream (codec, picture size, frame rate, sample rate, channels). The output is that description as JSON. Runs no ffmpeg.',
  inputs: { min: 1, max: 1 },
  schema: analyzeSchema,
  output: () => ({ kind: 'json', extension: 'json' }),
  probe: () => 'streams',
  plan (_c, ctx) {
    return { kind: 'write', content: `${JSON.stringify(analysisOf(input(ctx.inputs, 0).info), null, 2)}\n` }
  }
}
