/**
 * The media type of content, from its first bytes (a few magic numbers), so a
 * browser's `<video>` and `<img>` get a type they play. Anything else stays
 * `application/octet-stream`: the list is an allowlist, never text or HTML.
 */

export const SNIFF_BYTES = 16
export const OCTET_STREAM = 'application/octet-stream'

function at (bytes: Uint8Array, offset: number, ascii: string): boolean {
  if (bytes.byteLength < offset + ascii.length) return false
  for (let i = 0; i < ascii.length; i++) {
    if (bytes[offset + i] !== ascii.charCodeAt(i)) return false
  }
  return true
}

export function sniffMediaType (bytes: Uint8Array): string {
  if (at(bytes, 4, 'ftyp')) return at(bytes, 8, 'qt  ') ? 'video/quicktime' : 'video/mp4'
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return 'video/webm'
  if (at(bytes, 0, 'OggS')) return 'audio/ogg'
  if (at(bytes, 0, 'RIFF') && at(bytes, 8, 'WAVE')) return 'audio/wav'
  if (at(bytes, 0, 'ID3')) return 'audio/mpeg'
  if (at(bytes, 0, '\x89PNG')) return 'image/png'
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg'
  if (at(bytes, 0, 'GIF8')) return 'image/gif'
  if (at(bytes, 0, 'RIFF') && at(bytes, 8, 'WEBP')) return 'image/webp'
  return OCTET_STREAM
}
