import { HTTP_STATUS_BY_KIND, isArtdagError, toErrorBody } from '../../errors.ts'
import type { ArtdagError, ErrorBody } from '../../errors.ts'
import type { Logger } from '../../log.ts'
import type { FastifyRequest } from 'fastify'
import { BodyTooLargeError, InvalidRequestError, MethodNotAllowedError, UnsupportedMediaTypeError } from '../errors.ts'

/**
 * Turns whatever a request produced into the status and JSON body a client
 * sees. ArtdagErrors keep their kind; Fastify's own errors (bad JSON, body too
 * large, bad content type) become the matching ArtdagError with a message that
 * names the route; anything else is a 500 `internal`.
 */

interface FastifyLikeError extends Error {
  code?: string
  statusCode?: number
}

export interface HttpError {
  status: number
  body: ErrorBody
}

/** Status codes the kind table does not express but HTTP has a better word for. */
const STATUS_BY_NAME: Readonly<Record<string, number>> = {
  MethodNotAllowedError: 405,
  UnsupportedMediaTypeError: 415,
  RangeNotSatisfiableError: 416,
  UnauthorizedError: 401
}

function fromFastify (err: FastifyLikeError, where: string): ArtdagError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidRequestError(`${where}: the body is not valid JSON`)
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidRequestError(`${where}: the body is empty but its content-type is application/json`)
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BodyTooLargeError(`${where}: the body is over the route's size limit`)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError(`${where}: unsupported content-type; send application/json`)
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new InvalidRequestError(`${where}: content-length does not match the body`)
    case 'FST_ERR_BAD_URL':
      return new InvalidRequestError(`${where}: the URL is malformed`)
    default:
      break
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new InvalidRequestError(`${where}: ${err.message}`)
  }
  if (err instanceof SyntaxError) {
    return new InvalidRequestError(`${where}: the body is not valid JSON`)
  }
  return undefined
}

export function toHttpError (err: unknown, where: string): HttpError {
  let error: unknown = err
  if (!isArtdagError(err) && err instanceof Error) {
    error = fromFastify(err as FastifyLikeError, where) ?? err
  }
  const body = toErrorBody(error)
  const status = STATUS_BY_NAME[body.error.name] ?? HTTP_STATUS_BY_KIND[body.error.kind]
  return { status, body }
}

export function methodNotAllowed (method: string, path: string, allowed: string[]): MethodNotAllowedError {
  return new MethodNotAllowedError(`${method} is not allowed on ${path}; use ${allowed.join(' or ')}`, { allow: allowed })
}

/** Logs a request's failure: an internal one as an error with the error object, a refusal at debug. */
export function logRequestError (log: Logger, err: unknown, request: Pick<FastifyRequest, 'method' | 'url'>, { status, body }: HttpError): void {
  if (status >= 500 && body.error.kind === 'internal') log.error({ err, method: request.method, url: request.url }, 'request failed')
  else log.debug({ method: request.method, url: request.url, status, error: body.error.message }, 'request refused')
}
