import type { CapabilitiesCache, CapabilitiesOptions } from './capabilities.ts'
import { EncoderUnavailableError } from './errors.ts'
import type { EncoderNeeds } from './step.ts'

/** Fails with EncoderUnavailableError, naming the encoder and the binary, before any render starts. */
export async function checkEncoders (ffmpegPath: string, needs: EncoderNeeds, cache: CapabilitiesCache, options: CapabilitiesOptions): Promise<void> {
  const capabilities = await cache.get(ffmpegPath, options)
  for (const encoder of needs.encoders) {
    if (!capabilities.encoders.includes(encoder)) {
      throw new EncoderUnavailableError(`this ffmpeg (${capabilities.version}, ${ffmpegPath}) has no ${encoder} encoder`, { encoder, ffmpeg: ffmpegPath, version: capabilities.version })
    }
  }
  if (needs.pixelFormat != null) {
    const { encoder, format } = needs.pixelFormat
    const formats = await cache.encoderPixelFormats(ffmpegPath, encoder, options)
    if (formats.length > 0 && !formats.includes(format)) {
      throw new EncoderUnavailableError(`${encoder} in this ffmpeg (${capabilities.version}) cannot encode pixel format ${format}; it supports ${formats.join(', ')}`, { encoder, pixelFormat: format, supported: formats })
    }
  }
}
