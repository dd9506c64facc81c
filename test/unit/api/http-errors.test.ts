import { describe, expect, it } from 'vitest'
import { BodyTooLargeError } from '../../../src/api/errors.ts'
import { methodNotAllowed, toHttpError } from '../../../src/api/server/http-errors.ts'
import { HTTP_STATUS_BY_KIND, NotFoundError, TimeoutError } from '../../../src/errors.ts'
import { ContentNotFoundError } from '../../../src/store/errors.ts'

const where = 'POST /v1/jobs'

describe('toHttpError', () => {
  it('maps an ArtdagError by its kind and keeps its name and message', () => {
    const { status, body } = toHttpError(new ContentNotFoundError('block bafy is not here', { cid: 'bafy' }), where)
    expect(status).toBe(404)
    expect(body).toEqual({ error: { name: 'ContentNotFoundError', kind: 'not_found', message: 'block bafy is not here', details: { cid: 'bafy' } } })
    expect(toHttpError(new TimeoutError('slow'), where).status).toBe(HTTP_STATUS_BY_KIND.timeout)
    expect(toHttpError(new BodyTooLargeError('big'), where).status).toBe(413)
    expect(toHttpError(new NotFoundError('x'), where).status).toBe(404)
  })

  it('answers 405 for a wrong method, listing the allowed ones', () => {
    const { status, body } = toHttpError(methodNotAllowed('DELETE', '/v1/status', ['GET']), where)
    expect(status).toBe(405)
    expect(body.error.message).toBe('DELETE is not allowed on /v1/status; use GET')
    expect(body.error.details).toEqual({ allow: ['GET'] })
  })

  it('turns Fastify body errors into named 4xx errors', () => {
    const fastify = (code: string, statusCode: number): Error => Object.assign(new Error(code), { code, statusCode })
    expect(toHttpError(fastify('FST_ERR_CTP_INVALID_JSON_BODY', 400), where)).toMatchObject({ status: 400, body: { error: { name: 'InvalidRequestError', message: 'POST /v1/jobs: the body is not valid JSON' } } })
    expect(toHttpError(fastify('FST_ERR_CTP_BODY_TOO_LARGE', 413), where)).toMatchObject({ status: 413, body: { error: { kind: 'too_large' } } })
    expect(toHttpError(fastify('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), where)).toMatchObject({ status: 415, body: { error: { name: 'UnsupportedMediaTypeError' } } })
    expect(toHttpError(fastify('FST_ERR_SOMETHING_NEW', 400), where)).toMatchObject({ status: 400, body: { error: { kind: 'invalid' } } })
  })

  it('answers 500 internal for anything else', () => {
    expect(toHttpError(new TypeError('x is undefined'), where)).toEqual({
      status: 500,
      body: { error: { name: 'TypeError', kind: 'internal', message: 'x is undefined' } }
    })
    expect(toHttpError('a string', where).status).toBe(500)
  })
})
