import { describe, expect, it } from 'vitest'
import { RemoteError } from '../../../src/api/errors.ts'
import type { JobsBackend } from '../../../src/api/backend.ts'
import { NotFoundError } from '../../../src/errors.ts'
import { harnessPerTest } from './fixtures.ts'
import { rawRequest } from './helpers.ts'

const CID = 'bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am'
const start = harnessPerTest()

// oxlint-disable-next-line typescript/no-explicit-any -- JSON of any shape, which the assertions check
function expectJsonError (res: { status: number, headers: Record<string, unknown>, json: () => any }, status: number, name: string, message?: string | RegExp): void {
  expect(res.status).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/)
  const body = res.json()
  expect(body.error.name).toBe(name)
  if (message !== undefined) expect(body.error.message).toMatch(message)
}

describe('bad requests get a 4xx JSON error naming what is wrong', () => {
  it('malformed JSON', async () => {
    const { socketPath } = await start()
    const res = await rawRequest(socketPath, 'POST', `/v1/pins/${CID}`, { headers: { 'content-type': 'application/json' }, body: '{"kind":' })
    expectJsonError(res, 400, 'InvalidRequestError', `POST /v1/pins/:cid: the body is not valid JSON`)
  })

  it('a body that does not match the schema names the field', async () => {
    const { socketPath } = await start()
    const res = await rawRequest(socketPath, 'POST', `/v1/pins/${CID}`, { headers: { 'content-type': 'application/json' }, body: '{"kind":"forever"}' })
    expectJsonError(res, 400, 'InvalidRequestError', /body\.kind: /)
  })

  it('an unknown route', async () => {
    const { socketPath } = await start()
    expectJsonError(await rawRequest(socketPath, 'GET', '/v1/nothing'), 404, 'RouteNotFoundError', 'no route GET /v1/nothing; the routes are listed in docs/API.md')
    expectJsonError(await rawRequest(socketPath, 'GET', '/v2/status'), 404, 'RouteNotFoundError')
  })

  it('a wrong method, with the allowed ones in Allow', async () => {
    const { socketPath } = await start()
    const res = await rawRequest(socketPath, 'DELETE', '/v1/status')
    expectJsonError(res, 405, 'MethodNotAllowedError', 'DELETE is not allowed on /v1/status; use GET')
    expect(res.headers.allow).toBe('GET')
    expect((await rawRequest(socketPath, 'GET', `/v1/pins/${CID}`)).headers.allow).toBe('POST, DELETE')
  })

  it('a bad CID, quoted', async () => {
    const { socketPath, client } = await start()
    expectJsonError(await rawRequest(socketPath, 'GET', '/v1/content/not-a-cid'), 400, 'InvalidCidError', 'not a CID: "not-a-cid"')
    expectJsonError(await rawRequest(socketPath, 'DELETE', '/v1/pins/Qmnope'), 400, 'InvalidCidError')
    await expect(client.cat('not-a-cid')).rejects.toMatchObject({ name: 'InvalidCidError', kind: 'invalid' })
  })

  it('a bad query value or an unknown query key', async () => {
    const { socketPath } = await start()
    expectJsonError(await rawRequest(socketPath, 'GET', `/v1/content/${CID}?offset=-3`), 400, 'InvalidRequestError', 'query.offset: must be a non-negative integer')
    expectJsonError(await rawRequest(socketPath, 'GET', '/v1/pins?knd=user'), 400, 'InvalidRequestError', /Unrecognized key: "knd"/)
  })

  it('an upload over the limit: refused before its body is sent when the size is declared', async () => {
    const { client, socketPath } = await start({ init: { maxUploadBytes: 1000 } })
    let pulled = 0
    const source = (async function* () {
      for (let i = 0; i < 10; i++) {
        pulled++
        yield new Uint8Array(500)
      }
    })()
    const refused = client.add(source, { size: 5000 })
    await expect(refused).rejects.toBeInstanceOf(RemoteError)
    await expect(refused).rejects.toMatchObject({ name: 'BodyTooLargeError', kind: 'too_large', status: 413 })
    expect(pulled).toBe(0)
    // The unsent source was released, not left open.
    expect(await source.next()).toEqual({ done: true, value: undefined })
    // Without Expect: 100-continue (a plain curl --data-binary) the same answer comes from the handler.
    expectJsonError(await rawRequest(socketPath, 'POST', '/v1/content', { body: Buffer.alloc(2000) }), 413, 'BodyTooLargeError', /over the 1000 byte limit/)
  })

  it('an upload over the limit: cut off midway when the size is not declared', async () => {
    const { client, content } = await start({ init: { maxUploadBytes: 100_000 } })
    const source = (async function* () {
      for (let i = 0; i < 100; i++) yield new Uint8Array(64 * 1024)
    })()
    await expect(client.add(source)).rejects.toMatchObject({ name: 'BodyTooLargeError', status: 413 })
    // Nothing was pinned for the refused upload.
    const pins = []
    for await (const pin of content.pins()) pins.push(pin)
    expect(pins).toEqual([])
    expect((await client.id()).version).toBe('0.1.0')
  })

  it('a JSON body over the JSON limit', async () => {
    const { socketPath } = await start({ init: { maxJsonBodyBytes: 64 } })
    const res = await rawRequest(socketPath, 'POST', `/v1/pins/${CID}`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'user', labels: { a: 'x'.repeat(100) } }) })
    expectJsonError(res, 413, 'BodyTooLargeError')
  })

  it('a JSON route sent another content type', async () => {
    const { socketPath } = await start()
    const res = await rawRequest(socketPath, 'POST', `/v1/pins/${CID}`, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'kind=user' })
    expectJsonError(res, 415, 'UnsupportedMediaTypeError', /send application\/json/)
  })
})

describe('failures inside the daemon', () => {
  it('a handler that throws gives a 500 JSON error and the server keeps serving', async () => {
    const { socketPath, client } = await start({
      components: {
        system: {
          identity: async () => ({ peer: 'p', addresses: [], version: '0.1.0' }),
          status: async () => {
            throw new TypeError("cannot read properties of undefined (reading 'slots')")
          }
        },
        peers: {
          peers: () => {
            throw new Error('thrown synchronously')
          }
        }
      }
    })
    expectJsonError(await rawRequest(socketPath, 'GET', '/v1/status'), 500, 'TypeError', /reading 'slots'/)
    expect((await rawRequest(socketPath, 'GET', '/v1/status')).json().error.kind).toBe('internal')
    expectJsonError(await rawRequest(socketPath, 'GET', '/v1/peers'), 500, 'InternalError', 'thrown synchronously')
    await expect(client.status()).rejects.toMatchObject({ kind: 'internal', status: 500 })
    expect((await client.id()).peer).toBe('p')
  })

  it('an events backend that throws on subscribe gives a 500, not a broken stream', async () => {
    const { socketPath } = await start({
      components: {
        events: {
          subscribe: () => {
            throw new Error('bus down')
          }
        }
      }
    })
    expectJsonError(await rawRequest(socketPath, 'GET', '/v1/events'), 500, 'InternalError', 'bus down')
    expect((await rawRequest(socketPath, 'GET', '/v1/id')).status).toBe(200)
  })

  it('a backend ArtdagError keeps its name and kind, and picks the status', async () => {
    const jobs: JobsBackend = {
      submit: async () => {
        throw new Error('unused')
      },
      list: async () => [],
      get: async id => {
        throw new NotFoundError(`no job ${id}`, { id })
      },
      cancel: async () => {
        throw new Error('unused')
      },
      plan: async () => {
        throw new Error('unused')
      }
    }
    const { client } = await start({ components: { jobs } })
    await expect(client.job(CID)).rejects.toMatchObject({ name: 'NotFoundError', kind: 'not_found', status: 404, message: `no job ${CID}`, details: { id: CID } })
    expect(await client.jobs()).toEqual({ jobs: [] })
  })

  it('jobs answer 503 until the daemon provides them', async () => {
    const { client } = await start()
    await expect(client.jobs()).rejects.toMatchObject({ name: 'FeatureUnavailableError', kind: 'unavailable', status: 503 })
  })
})
