/**
 * The one format every non-final step writes, so steps compose: Matroska with
 * H.264 (crf 16, preset veryfast, yuv420p: visually lossless, fast to write and
 * to decode) and FLAC audio (lossless, 16-bit, stereo, at the source's sample
 * rate). At most one video and one audio stream. `encode` makes the final
 * delivery format; `thumbnail` writes PNG and `analyze` writes JSON.
 */
export const INTERMEDIATE_FORMAT = {
  muxer: 'matroska',
  extension: 'mkv',
  video: { encoder: 'libx264', crf: 16, preset: 'veryfast', pixelFormat: 'yuv420p' },
  audio: { encoder: 'flac', sampleFormat: 's16', channels: 2 }
} as const

export interface OutputStreams {
  video: boolean
  audio: boolean
}

/** Codec and muxer arguments for an intermediate output holding the given streams. */
export function intermediateCodecArgs (streams: OutputStreams): string[] {
  const { video, audio } = INTERMEDIATE_FORMAT
  const args: string[] = []
  if (streams.video) args.push('-c:v', video.encoder, '-crf', String(video.crf), '-preset', video.preset, '-pix_fmt', video.pixelFormat)
  if (streams.audio) args.push('-c:a', audio.encoder, '-sample_fmt', audio.sampleFormat, '-ac', String(audio.channels))
  args.push('-f', INTERMEDIATE_FORMAT.muxer)
  return args
}

/** Whether a probed video stream is already in the intermediate format, so it may be stream-copied. */
export function isIntermediateVideo (codec: string | null, pixelFormat: string | null | undefined): boolean {
  return codec === 'h264' && pixelFormat === INTERMEDIATE_FORMAT.video.pixelFormat
}

/** A crop to even dimensions when a source has odd ones (yuv420p needs even), else null. */
export function evenCrop (width: number, height: number): string | null {
  if (width % 2 === 0 && height % 2 === 0) return null
  return `crop=${Math.floor(width / 2) * 2}:${Math.floor(height / 2) * 2}:0:0`
}

/** A video chain ending in the intermediate pixel format: `[in]…format=yuv420p[out]`. */
export function toIntermediateVideo (label: string, filters: string[], out: string, size?: { width: number, height: number }): string {
  const crop = size != null ? evenCrop(size.width, size.height) : null
  const chain = [...filters, ...(crop != null ? [crop] : []), `format=${INTERMEDIATE_FORMAT.video.pixelFormat}`]
  return `[${label}]${chain.join(',')}[${out}]`
}
