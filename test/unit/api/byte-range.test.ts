import { describe, expect, it } from 'vitest'
import { contentRange, parseByteRange } from '../../../src/api/byte-range.ts'
import { OCTET_STREAM, sniffMediaType } from '../../../src/api/media-type.ts'

describe('HTTP byte ranges', () => {
  it('reads a single range, an open end and a suffix, clamped to the size', () => {
    expect(parseByteRange(undefined, 100)).toEqual({ kind: 'none' })
    expect(parseByteRange('bytes=0-9', 100)).toEqual({ kind: 'range', start: 0, end: 9 })
    expect(parseByteRange('bytes=90-', 100)).toEqual({ kind: 'range', start: 90, end: 99 })
    expect(parseByteRange('bytes=90-500', 100)).toEqual({ kind: 'range', start: 90, end: 99 })
    expect(parseByteRange('bytes=-10', 100)).toEqual({ kind: 'range', start: 90, end: 99 })
    expect(parseByteRange('bytes=-500', 100)).toEqual({ kind: 'range', start: 0, end: 99 })
  })

  it('says 416 for a range past the end, and ignores what it does not understand', () => {
    expect(parseByteRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' })
    expect(parseByteRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' })
    expect(parseByteRange('bytes=0-0', 0)).toEqual({ kind: 'unsatisfiable' })
    for (const header of ['bytes=5-1', 'items=0-1', 'bytes=0-1,4-5', 'bytes=-', 'bytes=x-1']) {
      expect(parseByteRange(header, 100), header).toEqual({ kind: 'none' })
    }
    expect(contentRange({ start: 0, end: 9 }, 100)).toBe('bytes 0-9/100')
    expect(contentRange(null, 100)).toBe('bytes */100')
  })

  it('names media from their first bytes, and nothing else', () => {
    expect(sniffMediaType(Buffer.from('\0\0\0\x20ftypisom', 'latin1'))).toBe('video/mp4')
    expect(sniffMediaType(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0]))).toBe('video/webm')
    expect(sniffMediaType(Buffer.from('\x89PNG\r\n', 'latin1'))).toBe('image/png')
    expect(sniffMediaType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg')
    expect(sniffMediaType(Buffer.from('<html><script>', 'latin1'))).toBe(OCTET_STREAM)
    expect(sniffMediaType(new Uint8Array(0))).toBe(OCTET_STREAM)
  })
})
