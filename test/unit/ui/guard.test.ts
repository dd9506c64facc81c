import { describe, expect, it } from 'vitest'
import { checkHost, guardRequest, isLoopback } from '../../../src/ui/guard.ts'
import type { GuardedRequest, GuardOptions } from '../../../src/ui/guard.ts'
import { contentTicket } from '../../../src/ui/token.ts'
import { errorName } from '../../../src/errors.ts'

const TOKEN = 'x'.repeat(43)
const CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
const options: GuardOptions = { token: TOKEN, port: 4180, loopbackOnly: true, isPublicPath: path => path === '/' || path.startsWith('/assets/') }

function req (over: Partial<GuardedRequest> & { headers?: GuardedRequest['headers'] } = {}): GuardedRequest {
  return { method: 'GET', url: '/v1/status', localAddress: '127.0.0.1', ...over, headers: { host: '127.0.0.1:4180', ...over.headers } }
}

function refusal (request: GuardedRequest, opts = options): string | undefined {
  try {
    guardRequest(request, opts)
    return undefined
  } catch (err: unknown) {
    return errorName(err)
  }
}

describe('the dashboard guard', () => {
  it('serves the page to anyone on loopback, and the API only with the bearer token', () => {
    expect(refusal(req({ url: '/' }))).toBeUndefined()
    expect(refusal(req({ url: '/assets/index-1.js' }))).toBeUndefined()
    expect(refusal(req())).toBe('UnauthorizedError')
    expect(refusal(req({ headers: { authorization: 'Bearer nope' } }))).toBe('UnauthorizedError')
    expect(refusal(req({ headers: { authorization: `Bearer ${TOKEN}` } }))).toBeUndefined()
    expect(refusal(req({ url: '/nothing/here' }))).toBe('UnauthorizedError')
    // A cookie is never a credential.
    expect(refusal(req({ headers: { cookie: `token=${TOKEN}` } }))).toBe('UnauthorizedError')
    // The page's paths need the token for anything but GET.
    expect(refusal(req({ method: 'POST', url: '/' }))).toBe('UnauthorizedError')
  })

  it('accepts a content ticket for that CID only, and only to read it', () => {
    const ticket = contentTicket(TOKEN, CID)
    expect(refusal(req({ url: `/v1/content/${CID}?ticket=${ticket}` }))).toBeUndefined()
    expect(refusal(req({ url: `/v1/content/${CID}/stat?ticket=${ticket}` }))).toBe('UnauthorizedError')
    expect(refusal(req({ url: `/v1/content/bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq?ticket=${ticket}` }))).toBe('UnauthorizedError')
    expect(refusal(req({ method: 'POST', url: `/v1/content/${CID}?ticket=${ticket}` }))).toBe('UnauthorizedError')
  })

  it('refuses names in Host (DNS rebinding), other ports, and other origins', () => {
    const auth = { authorization: `Bearer ${TOKEN}` }
    expect(refusal(req({ headers: { ...auth, host: 'evil.example:4180' } }))).toBe('ForbiddenHostError')
    expect(refusal(req({ headers: { ...auth, host: '127.0.0.1:9999' } }))).toBe('ForbiddenHostError')
    expect(refusal(req({ url: '/', headers: { host: 'rebind.example:4180' } }))).toBe('ForbiddenHostError')
    expect(refusal(req({ headers: { ...auth, host: 'localhost:4180' } }))).toBeUndefined()
    expect(refusal(req({ headers: { ...auth, origin: 'http://127.0.0.1:4180' } }))).toBeUndefined()
    expect(refusal(req({ headers: { ...auth, origin: 'http://evil.example' } }))).toBe('ForbiddenOriginError')
    expect(refusal(req({ headers: { ...auth, origin: 'http://127.0.0.1:3000' } }))).toBe('ForbiddenOriginError')
    expect(refusal(req({ headers: { ...auth, 'sec-fetch-site': 'cross-site' } }))).toBe('ForbiddenOriginError')
    expect(refusal(req({ headers: { ...auth, 'sec-fetch-site': 'same-site' } }))).toBe('ForbiddenOriginError')
    expect(refusal(req({ headers: { ...auth, 'sec-fetch-site': 'same-origin' } }))).toBeUndefined()
    // Following a link to the page itself is fine.
    expect(refusal(req({ url: '/', headers: { 'sec-fetch-site': 'cross-site' } }))).toBeUndefined()
  })

  it('with the default loopback bind, refuses a request that reached another address', () => {
    const auth = { authorization: `Bearer ${TOKEN}` }
    expect(refusal(req({ localAddress: '100.64.0.7', headers: { ...auth, host: '100.64.0.7:4180' } }))).toBe('ForbiddenHostError')
    expect(refusal(req({ localAddress: '100.64.0.7', headers: { ...auth, host: '100.64.0.7:4180' } }), { ...options, loopbackOnly: false })).toBeUndefined()
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true)
    expect(isLoopback('::1')).toBe(true)
    expect(isLoopback('10.0.0.1')).toBe(false)
    expect(checkHost('[::1]:4180', 4180)).toBe('[::1]:4180')
    expect(() => checkHost(undefined, 4180)).toThrow(/Host/)
  })
})
