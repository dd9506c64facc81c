import { ArtdagError } from '../errors.ts'
import type { ErrorKind } from '../errors.ts'

/**
 * Failures at the status socket, on both sides of it. The server maps every
 * error to `HTTP_STATUS_BY_KIND[kind]` (405 and 415 keep their own status);
 * the client turns a JSON error body back into a `RemoteError` of the same
 * name and kind, so the CLI's exit code does not depend on where it failed.
 */

/** Another live daemon answers on the socket path. */
export class SocketInUseError extends ArtdagError {
  override readonly name = 'SocketInUseError'
  readonly kind = 'conflict'
}

/** The socket path is taken by something that is not a socket, or is too long to bind. */
export class SocketPathError extends ArtdagError {
  override readonly name = 'SocketPathError'
  readonly kind = 'invalid'
}

/** A request the server cannot make sense of: malformed JSON, bad params or query. */
export class InvalidRequestError extends ArtdagError {
  override readonly name = 'InvalidRequestError'
  readonly kind = 'invalid'
}

export class RouteNotFoundError extends ArtdagError {
  override readonly name = 'RouteNotFoundError'
  readonly kind = 'not_found'
}

/** The path exists with other methods. Served as 405 with an `Allow` header. */
export class MethodNotAllowedError extends ArtdagError {
  override readonly name = 'MethodNotAllowedError'
  readonly kind = 'invalid'
}

/** The body's content type is not one the route reads. Served as 415. */
export class UnsupportedMediaTypeError extends ArtdagError {
  override readonly name = 'UnsupportedMediaTypeError'
  readonly kind = 'invalid'
}

/** A `Range` header that starts past the end of the content. Served as 416 with `Content-Range: bytes *\/size`. */
export class RangeNotSatisfiableError extends ArtdagError {
  override readonly name = 'RangeNotSatisfiableError'
  readonly kind = 'invalid'
}

/** The dashboard: no token, or a wrong one (docs/UI.md). Served as 401. */
export class UnauthorizedError extends ArtdagError {
  override readonly name = 'UnauthorizedError'
  readonly kind = 'forbidden'
}

export class BodyTooLargeError extends ArtdagError {
  override readonly name = 'BodyTooLargeError'
  readonly kind = 'too_large'
}

/** The daemon was built without this part (e.g. jobs before the scheduler is wired). */
export class FeatureUnavailableError extends ArtdagError {
  override readonly name = 'FeatureUnavailableError'
  readonly kind = 'unavailable'
}

/** The daemon is stopping and does not take new requests. */
export class ServerStoppingError extends ArtdagError {
  override readonly name = 'ServerStoppingError'
  readonly kind = 'unavailable'
}

/** Client side: nothing listens on the socket (missing file, refused connection). */
export class DaemonNotRunningError extends ArtdagError {
  override readonly name = 'DaemonNotRunningError'
  readonly kind = 'unavailable'

  constructor (home: string, socketPath: string, options?: ErrorOptions) {
    super(`no artdag daemon is running for home ${home} (start one with: artdag daemon --home ${home})`, { home, socket: socketPath }, options)
  }
}

/** Client side: the daemon closed the connection in the middle of a request (it stopped or died). */
export class DaemonConnectionLostError extends ArtdagError {
  override readonly name = 'DaemonConnectionLostError'
  readonly kind = 'unavailable'
}

/** Client side: the socket exists but belongs to someone else. */
export class SocketPermissionError extends ArtdagError {
  override readonly name = 'SocketPermissionError'
  readonly kind = 'forbidden'
}

/** Client side: no progress on a request for longer than its timeout. */
export class RequestTimeoutError extends ArtdagError {
  override readonly name = 'RequestTimeoutError'
  readonly kind = 'timeout'
}

/** Client side: the connection dropped or the reply did not match the route's schema. */
export class ResponseInvalidError extends ArtdagError {
  override readonly name = 'ResponseInvalidError'
  readonly kind = 'internal'
}

/** Client side: an error the daemon reported, carrying the daemon's name and kind. */
export class RemoteError extends ArtdagError {
  override readonly name: string
  readonly kind: ErrorKind
  readonly status: number

  constructor (name: string, kind: ErrorKind, message: string, status: number, details?: Record<string, unknown>) {
    super(message, details)
    this.name = name
    this.kind = kind
    this.status = status
  }
}

/** `POST /v1/content/:cid/export`: the daemon may not write that path (its own user's permissions). */
export class ExportPathError extends ArtdagError {
  override readonly name = 'ExportPathError'
  readonly kind = 'forbidden'
}
