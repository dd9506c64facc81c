/**
 * One HTTP `Range: bytes=…` header against a known size (RFC 9110 §14). Pure.
 * Only a single range is served; a header this does not understand, or one
 * with several ranges, is ignored (the whole content, 200), as the RFC allows.
 */

export type ByteRange =
  | { kind: 'none' }
  /** Inclusive `start`..`end`, both inside the content. */
  | { kind: 'range', start: number, end: number }
  /** Well-formed but starting past the end (or an empty suffix): 416. */
  | { kind: 'unsatisfiable' }

const SINGLE = /^bytes=(\d*)-(\d*)$/

export function parseByteRange (header: string | undefined, size: number): ByteRange {
  if (header === undefined) return { kind: 'none' }
  const match = SINGLE.exec(header.trim())
  if (match === null) return { kind: 'none' }
  const [, first = '', last = ''] = match
  if (first === '' && last === '') return { kind: 'none' }
  if (first === '') {
    // A suffix: the last N bytes.
    const suffix = Number(last)
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' }
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  if (!Number.isSafeInteger(start)) return { kind: 'none' }
  if (start >= size) return { kind: 'unsatisfiable' }
  const end = last === '' ? size - 1 : Number(last)
  if (!Number.isSafeInteger(end) || end < start) return { kind: 'none' }
  return { kind: 'range', start, end: Math.min(end, size - 1) }
}

/** `Content-Range` of a served range, or of a refused one (`bytes *\/size`). */
export function contentRange (range: { start: number, end: number } | null, size: number): string {
  return range === null ? `bytes */${size}` : `bytes ${range.start}-${range.end}/${size}`
}
