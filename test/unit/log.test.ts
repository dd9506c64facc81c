import { describe, expect, it } from 'vitest'
import { AbortedError, asError, errorCode, errorMessage, errorName } from '../../src/errors.ts'
import { serializeError } from '../../src/log.ts'

describe('errors in logs', () => {
  it('carries the name, kind, message and the chain of causes; the stack only at debug', () => {
    const root = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const err = new AbortedError('dial aborted', { peer: 'p' }, { cause: root })
    const info = serializeError(err, false)
    expect(info).toEqual({ name: 'AbortedError', kind: 'aborted', message: 'dial aborted', cause: { name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } })
    expect(serializeError(err, true).stack).toContain('AbortedError: dial aborted')
    expect(serializeError('plain text', true)).toEqual({ name: 'string', message: 'plain text' })
  })

  it('reads the message, name and code of anything thrown', () => {
    const err = Object.assign(new Error('gone'), { code: 'ENOENT' })
    expect([errorMessage(err), errorName(err), errorCode(err)]).toEqual(['gone', 'Error', 'ENOENT'])
    expect([errorMessage(42), errorName(42), errorCode({ code: 7 })]).toEqual(['42', undefined, undefined])
    expect(asError(err)).toBe(err)
    expect(asError('oops')).toMatchObject({ name: 'NonErrorThrownError', message: 'oops', cause: 'oops' })
  })
})
