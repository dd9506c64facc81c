import { RECIPE_ENCODERS } from '../capabilities.ts'
import { int } from '../filters.ts'

/**
 * What the `encode` step's names mean for each encoder: one speed/quality
 * scale (`preset`) mapped onto each encoder's own knobs, and which codecs each
 * container can hold.
 */
export const VIDEO_CODECS = ['h264', 'hevc', 'vp9', 'av1'] as const
export const AUDIO_CODECS = ['aac', 'opus', 'none'] as const
export const CONTAINERS = ['mp4', 'mkv', 'webm'] as const
/** x264's preset names, which x265 shares; vp9 and av1 map them onto their cpu-used speeds. */
export const PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const
export const PIXEL_FORMATS = ['yuv420p', 'yuv422p', 'yuv444p', 'yuv420p10le'] as const

export type VideoCodec = typeof VIDEO_CODECS[number]
export type AudioCodec = typeof AUDIO_CODECS[number]
export type Container = typeof CONTAINERS[number]
export type Preset = typeof PRESETS[number]

export const DEFAULT_CRF: Readonly<Record<VideoCodec, number>> = { h264: 23, hevc: 28, vp9: 31, av1: 30 }
export const MAX_CRF: Readonly<Record<VideoCodec, number>> = { h264: 51, hevc: 51, vp9: 63, av1: 63 }

export const CONTAINER_VIDEO: Readonly<Record<Container, readonly VideoCodec[]>> = {
  mp4: ['h264', 'hevc', 'av1'],
  mkv: VIDEO_CODECS,
  webm: ['vp9', 'av1']
}

export const CONTAINER_AUDIO: Readonly<Record<Container, readonly AudioCodec[]>> = {
  mp4: ['aac', 'none'],
  mkv: AUDIO_CODECS,
  webm: ['opus', 'none']
}

export const MUXERS: Readonly<Record<Container, string>> = { mp4: 'mp4', mkv: 'matroska', webm: 'webm' }

// libvpx's good-quality mode takes cpu-used 0–5; libaom 0–8. Higher is faster.
const VP9_CPU_USED: Readonly<Record<Preset, number>> = { ultrafast: 5, superfast: 5, veryfast: 5, faster: 4, fast: 3, medium: 2, slow: 1, slower: 0, veryslow: 0 }
const AOM_CPU_USED: Readonly<Record<Preset, number>> = { ultrafast: 8, superfast: 8, veryfast: 7, faster: 6, fast: 5, medium: 4, slow: 3, slower: 2, veryslow: 1 }

/** Encoder arguments for a video codec at a quality (crf) and speed (preset). */
export function videoCodecArgs (codec: VideoCodec, crf: number, preset: Preset, container: Container): string[] {
  const encoder = RECIPE_ENCODERS[codec]
  switch (codec) {
    case 'h264':
      return ['-c:v', encoder, '-crf', int(crf), '-preset', preset]
    case 'hevc':
      // hvc1 is the tag Apple players require in MP4; x265 logs to stderr unless told not to.
      return ['-c:v', encoder, '-crf', int(crf), '-preset', preset, '-x265-params', 'log-level=error', ...(container === 'mp4' ? ['-tag:v', 'hvc1'] : [])]
    case 'vp9':
      return ['-c:v', encoder, '-crf', int(crf), '-b:v', '0', '-deadline', 'good', '-cpu-used', int(VP9_CPU_USED[preset])]
    case 'av1':
      // libaom-av1 was marked experimental in older ffmpeg.
      return ['-c:v', encoder, '-crf', int(crf), '-b:v', '0', '-cpu-used', int(AOM_CPU_USED[preset]), '-strict', 'experimental']
  }
}

/** Encoder arguments for the audio; opus only takes 48 kHz (of the rates recipes use). */
export function audioCodecArgs (codec: AudioCodec, bitrateKbps: number): string[] {
  switch (codec) {
    case 'none':
      return []
    case 'aac':
      return ['-c:a', RECIPE_ENCODERS.aac, '-b:a', `${int(bitrateKbps)}k`, '-ac', '2']
    case 'opus':
      return ['-c:a', RECIPE_ENCODERS.opus, '-b:a', `${int(bitrateKbps)}k`, '-ac', '2', '-ar', '48000']
  }
}
