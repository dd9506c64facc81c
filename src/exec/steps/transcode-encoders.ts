import { RECIPE_ENCODERS } from '../capabilities.ts'
import { int } from '../filters.ts'
import { videoCodecArgs } from './encode-codecs.ts'
import { videoEncoderOf } from '../../plan/index.ts'
import type { Hardware, VideoCodec } from '../../plan/index.ts'
import type { Preset } from './encode-codecs.ts'

/** The render node a vaapi encoder uploads frames to. */
export const VAAPI_DEVICE = '/dev/dri/renderD128'

/** ffmpeg's name of the video encoder a transcode chunk uses. */
export function chunkEncoder (codec: VideoCodec, hardware: Hardware): string {
  return videoEncoderOf(codec, hardware, RECIPE_ENCODERS)
}

/** What a node must advertise to encode a chunk: the codec (software, as heartbeats name it) or the hardware encoder. */
export function chunkRequirement (codec: VideoCodec, hardware: Hardware): string {
  return hardware === 'none' ? codec : chunkEncoder(codec, hardware)
}

/**
 * Encoder options for a chunk. Software encoders take the same arguments as
 * `encode`; hardware encoders take crf as their constant-quality value.
 */
export function chunkEncoderArgs (codec: VideoCodec, hardware: Hardware, crf: number, preset: Preset, container: 'mp4' | 'mkv'): string[] {
  const encoder = chunkEncoder(codec, hardware)
  switch (hardware) {
    case 'none':
      return videoCodecArgs(codec, crf, preset, container)
    case 'nvenc':
      return ['-c:v', encoder, '-rc', 'vbr', '-cq', int(crf), '-b:v', '0', '-preset', preset === 'medium' ? 'medium' : preset.includes('fast') ? 'fast' : 'slow']
    case 'qsv':
      return ['-c:v', encoder, '-global_quality', int(crf), '-preset', preset === 'ultrafast' || preset === 'superfast' ? 'veryfast' : preset]
    case 'vaapi':
      return ['-c:v', encoder, '-qp', int(crf)]
  }
}

/** Input options a hardware encoder needs (vaapi opens its device). */
export function hardwareInputOptions (hardware: Hardware): string[] {
  return hardware === 'vaapi' ? ['-vaapi_device', VAAPI_DEVICE] : []
}

/** Filters that hand frames to the encoder: vaapi takes them uploaded, as nv12. */
export function hardwareUploadFilters (hardware: Hardware): string[] {
  return hardware === 'vaapi' ? ['format=nv12', 'hwupload'] : []
}
