import { z } from 'zod'
import type { MediaInfo, StreamInfo } from '../probe-parse.ts'
import type { StepExecutor } from '../step.ts'
import { input } from './inputs.ts'
import { videoFactsOf } from '../../plan/index.ts'
import type { AudioFacts, VideoFacts } from '../../plan/index.ts'
import type { StepInput } from '../step.ts'

export const analyzeSchema = z.strictObject({
  keyframes: z.boolean().optional().meta({
    description:
      "Also list the video's keyframes (time, byte position, frame number, whether a cut there is clean), its frame count and its exact start and end: the facts a `transcode` is planned from. Reads every packet of the video; decodes nothing."
  })
})

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

/** The analysis with the facts a transcode needs (`keyframes: true`). */
export interface MediaAnalysis extends Analysis {
  video: VideoFacts | null
  audio: AudioFacts | null
}

export function mediaAnalysisOf (src: StepInput): MediaAnalysis {
  const { video, audio } = src.info
  return {
    ...analysisOf(src.info),
    video: video != null && src.packets != null
      ? videoFactsOf({ index: video.index, codec: video.codec, width: video.width, height: video.height, timeBase: src.packets.timeBase }, src.packets.list)
      : null,
    audio: audio != null ? { stream: audio.index, codec: audio.codec, sampleRate: audio.sampleRate, channels: audio.channels } : null
  }
}

export const analyzeStep: StepExecutor<AnalyzeConfig> = {
  type: 'analyze',
  version: '1',
  description:
    "Describes a media file with ffprobe: container, duration, size, bitrate and each stream (codec, picture size, frame rate, sample rate, channels); with `keyframes`, also the video's keyframes and frame count. The output is that description as JSON. Runs no ffmpeg.",
  inputs: { min: 1, max: 1 },
  schema: analyzeSchema,
  output: () => ({ kind: 'json', extension: 'json' }),
  probe: c => c.keyframes === true ? 'packets' : 'streams',
  streamInputs: c => c.keyframes === true,
  requires: () => [],
  plan (c, ctx) {
    const src = input(ctx.inputs, 0)
    // Without keyframes, the same bytes as always (the same cache_id must keep meaning the same output).
    const document = c.keyframes === true ? mediaAnalysisOf(src) : analysisOf(src.info)
    return { kind: 'write', content: `${JSON.stringify(document, null, c.keyframes === true ? undefined : 2)}\n` }
  }
}
