import { describe, expect, it } from 'vitest'
import { harnessPerTest } from './fixtures.ts'
import { rawRequest } from './helpers.ts'

const start = harnessPerTest()

/** A few bytes that look like an MP4 (an ftyp box), then a counter. */
function mp4Like (size: number): Buffer {
  const bytes = Buffer.alloc(size)
  Buffer.from([0, 0, 0, 0x20]).copy(bytes, 0)
  Buffer.from('ftypisom').copy(bytes, 4)
  for (let i = 12; i < size; i++) bytes[i] = i % 251
  return bytes
}

describe('content by HTTP range, documents, the event stream as SSE, the dashboard route', () => {
  it('answers a Range header with 206 and Content-Range, a suffix range, and 416 past the end', async () => {
    const { client, socketPath } = await start()
    const bytes = mp4Like(3 * 1024 * 1024 + 17)
    const { cid } = await client.add((async function* () {
      yield bytes
    })())

    const whole = await rawRequest(socketPath, 'GET', `/v1/content/${cid}?length=16`)
    expect(whole.status).toBe(200)
    expect(whole.headers['content-type']).toBe('video/mp4')
    expect(whole.headers['accept-ranges']).toBe('bytes')
    expect(whole.headers.etag).toBe(`"${cid}"`)

    const part = await rawRequest(socketPath, 'GET', `/v1/content/${cid}`, { headers: { range: 'bytes=1048570-1048580' } })
    expect(part.status).toBe(206)
    expect(part.headers['content-range']).toBe(`bytes 1048570-1048580/${bytes.byteLength}`)
    expect(part.headers['content-length']).toBe('11')
    // The type comes from the first bytes even when the read starts elsewhere.
    expect(part.headers['content-type']).toBe('video/mp4')
    expect(Buffer.from(part.text, 'latin1').length).toBe(11)

    const open = await rawRequest(socketPath, 'GET', `/v1/content/${cid}`, { headers: { range: `bytes=${bytes.byteLength - 5}-` } })
    expect(open.status).toBe(206)
    expect(open.headers['content-range']).toBe(`bytes ${bytes.byteLength - 5}-${bytes.byteLength - 1}/${bytes.byteLength}`)
    const suffix = await rawRequest(socketPath, 'GET', `/v1/content/${cid}`, { headers: { range: 'bytes=-3' } })
    expect(suffix.status).toBe(206)
    expect(suffix.headers['content-length']).toBe('3')

    const past = await rawRequest(socketPath, 'GET', `/v1/content/${cid}`, { headers: { range: `bytes=${bytes.byteLength}-` } })
    expect(past.status).toBe(416)
    expect(past.headers['content-range']).toBe(`bytes */${bytes.byteLength}`)
    expect(past.json().error.name).toBe('RangeNotSatisfiableError')

    const both = await rawRequest(socketPath, 'GET', `/v1/content/${cid}?offset=1`, { headers: { range: 'bytes=0-1' } })
    expect(both.status).toBe(400)
    // Several ranges are not served as multipart: the whole content comes back.
    const multi = await rawRequest(socketPath, 'GET', `/v1/content/${cid}?length=4`, { headers: { range: 'bytes=0-1,5-6' } })
    expect(multi.status).toBe(200)
  })

  it('serves a DAG-JSON document, and refuses a file CID there', async () => {
    const { client, content } = await start()
    const doc = await content.putJson({ kind: 'artdag/test', n: 1 })
    expect(await client.document(doc.toString())).toEqual({ cid: doc.toString(), document: { kind: 'artdag/test', n: 1 } })
    const file = await client.add((async function* () {
      yield Buffer.from('not json')
    })())
    await expect(client.document(file.cid)).rejects.toMatchObject({ name: 'InvalidRequestError', status: 400 })
  })

  it('answers /v1/ui with 503 when the daemon serves no dashboard', async () => {
    const { client } = await start()
    await expect(client.ui()).rejects.toMatchObject({ name: 'FeatureUnavailableError', status: 503 })
  })

  it('streams events as Server-Sent Events to a client that asks for them', async () => {
    const { socketPath, events } = await start()
    const http = await import('node:http')
    const lines: string[] = []
    const done = new Promise<{ type: string | undefined }>((resolve, reject) => {
      const req = http.request({ socketPath, path: '/v1/events?type=job', headers: { accept: 'text/event-stream' } }, res => {
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          lines.push(chunk)
          if (lines.join('').includes('data: ')) {
            resolve({ type: res.headers['content-type'] })
            req.destroy()
          }
        })
      })
      req.on('error', err => {
        if (lines.length === 0) reject(err)
      })
      req.end()
    })
    await events.waitForSubscribers(1)
    events.emit({ type: 'member.alive', time: 1, peer: 'p', at: 1 })
    events.emit({ type: 'job.completed', time: 2, job: 'j' })
    const { type } = await done
    expect(type).toBe('text/event-stream; charset=utf-8')
    expect(lines.join('')).toBe(': subscribed\n\ndata: {"type":"job.completed","time":2,"job":"j"}\n\n')
  })
})
