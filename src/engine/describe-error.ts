import { isArtdagError } from '../errors.ts'

/** A one-line message and, for ffmpeg failures, the tail of its stderr (lines joined by newlines). */
export function describeError (err: unknown): { message: string, errorTail?: string } {
  if (isArtdagError(err)) {
    const tail = err.details?.errorTail
    const text = Array.isArray(tail) ? tail.join('\n') : typeof tail === 'string' ? tail : ''
    return { message: err.message, ...(text !== '' ? { errorTail: text } : {}) }
  }
  return { message: err instanceof Error ? err.message : String(err) }
}
