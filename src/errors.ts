/**
 * The error model: every failure is its own class with a stable `name`, and
 * belongs to one `kind`. The kind decides the HTTP status at the socket and
 * the exit code of the CLI; the name is what callers match on.
 */
import { present } from './defined.ts'

export type ErrorKind =
  | 'invalid' // the caller sent something wrong: 400
  | 'not_found' // 404
  | 'conflict' // state does not allow it (already running, locked): 409
  | 'too_large' // 413
  | 'forbidden' // 403
  | 'unavailable' // a dependency is not there (no daemon, no ffmpeg, no peers): 503
  | 'timeout' // 504
  | 'aborted' // cancelled by the caller: 499
  | 'failed' // the work itself failed (ffmpeg exited non-zero): 422
  | 'internal' // a bug: 500

export const HTTP_STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  forbidden: 403,
  unavailable: 503,
  timeout: 504,
  aborted: 499,
  failed: 422,
  internal: 500
}

/** The JSON shape of an error at the socket and in `--json` output. */
export interface ErrorBody {
  error: {
    name: string
    kind: ErrorKind
    message: string
    details?: Record<string, unknown>
  }
}

export abstract class ArtdagError extends Error {
  abstract readonly kind: ErrorKind
  readonly details: Record<string, unknown> | undefined

  constructor (message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options)
    this.details = details
  }

  toJSON (): ErrorBody {
    return {
      error: {
        name: this.name,
        kind: this.kind,
        message: this.message,
        ...present({ details: this.details })
      }
    }
  }
}

export function isArtdagError (err: unknown): err is ArtdagError {
  return err instanceof ArtdagError
}

/** Wraps anything thrown into the socket's error body; unknown errors are internal. */
export function toErrorBody (err: unknown): ErrorBody {
  if (isArtdagError(err)) return err.toJSON()
  const e = err instanceof Error ? err : new Error(String(err))
  if (e.name === 'AbortError') {
    return { error: { name: 'AbortError', kind: 'aborted', message: e.message } }
  }
  if (e.name === 'TimeoutError') {
    return { error: { name: 'TimeoutError', kind: 'timeout', message: e.message } }
  }
  return { error: { name: e.name === 'Error' ? 'InternalError' : e.name, kind: 'internal', message: e.message } }
}

// Errors shared by several modules. Module-specific ones live beside their module
// (src/<module>/errors.ts) and extend ArtdagError.

export class InvalidArgumentError extends ArtdagError {
  override readonly name = 'InvalidArgumentError'
  readonly kind = 'invalid'
}

export class NotFoundError extends ArtdagError {
  override readonly name = 'NotFoundError'
  readonly kind = 'not_found'
}

export class AbortedError extends ArtdagError {
  override readonly name = 'AbortedError'
  readonly kind = 'aborted'
}

export class TimeoutError extends ArtdagError {
  override readonly name = 'TimeoutError'
  readonly kind = 'timeout'
}

/** A string given as a CID does not parse (the store, the API server and the API client all check). */
export class InvalidCidError extends ArtdagError {
  override readonly name = 'InvalidCidError'
  readonly kind = 'invalid'
}

export class ConfigError extends ArtdagError {
  override readonly name = 'ConfigError'
  readonly kind = 'invalid'
}

/** The message of anything thrown (an Error's message, else its string form). */
export function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** The `name` of anything thrown that has one (`AbortError`, `NotFoundError`, …). */
export function errorName (err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string' ? err.name : undefined
}

/** The `code` of a Node.js system error (`ENOENT`, `EEXIST`, …), if it has one. */
export function errorCode (err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined
}

/** Something thrown that was not an Error (a string, a plain object); the value is its cause. */
export class NonErrorThrownError extends ArtdagError {
  override readonly name = 'NonErrorThrownError'
  readonly kind = 'internal'
}

/** `err` itself when it is an Error, else a NonErrorThrownError around it: for APIs that take an Error. */
export function asError (err: unknown): Error {
  return err instanceof Error ? err : new NonErrorThrownError(String(err), undefined, { cause: err })
}
