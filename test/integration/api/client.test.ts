import { mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApiClient } from '../../../src/api/client.ts'
import { DaemonNotRunningError, RemoteError, RequestTimeoutError, ResponseInvalidError } from '../../../src/api/errors.ts'
import { AbortedError } from '../../../src/errors.ts'
import { makeStaleSocket } from './helpers.ts'

/**
 * The client against daemons that are absent or misbehave: plain node:http
 * (or net) servers on a socket, standing in for a broken daemon.
 */

let dir: string
let home: string
let socketPath: string
const closers: Array<() => Promise<void>> = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-client-'))
  home = join(dir, 'home')
  socketPath = join(dir, 'artdag.sock')
})

afterEach(async () => {
  for (const close of closers.splice(0)) await close()
  await rm(dir, { recursive: true, force: true })
})

async function fakeDaemon (handler: http.RequestListener): Promise<void> {
  const server = http.createServer(handler)
  await new Promise<void>(resolve => server.listen(socketPath, resolve))
  closers.push(async () => {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  })
}

describe('no daemon', () => {
  it('a missing socket is DaemonNotRunningError with the one-line hint', async () => {
    const client = createApiClient({ home, socketPath })
    const err = await client.status().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DaemonNotRunningError)
    expect((err as Error).message).toBe(`no artdag daemon is running for home ${home} (start one with: artdag daemon --home ${home})`)
    expect(err).toMatchObject({ kind: 'unavailable' })
  })

  it('a stale socket (connection refused) is DaemonNotRunningError too', async () => {
    makeStaleSocket(socketPath)
    await expect(createApiClient({ home, socketPath }).id()).rejects.toBeInstanceOf(DaemonNotRunningError)
  })
})

describe('a misbehaving daemon', () => {
  it('one that accepts but never answers fails with RequestTimeoutError after the timeout', async () => {
    const server = net.createServer(() => {})
    const sockets = new Set<net.Socket>()
    server.on('connection', socket => sockets.add(socket))
    await new Promise<void>(resolve => server.listen(socketPath, resolve))
    closers.push(async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise(resolve => server.close(resolve))
    })
    const client = createApiClient({ home, socketPath, timeoutMs: 50 })
    await expect(client.status()).rejects.toBeInstanceOf(RequestTimeoutError)
    await expect(client.status()).rejects.toThrow('GET /v1/status: the daemon made no progress for 50 ms')
  })

  it('an error that is not the JSON error shape still carries a kind from its status', async () => {
    await fakeDaemon((_req, res) => {
      res.writeHead(504, { 'content-type': 'text/plain' }).end('gateway timeout')
    })
    const err = await createApiClient({ home, socketPath }).id().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RemoteError)
    expect(err).toMatchObject({ kind: 'timeout', status: 504, message: 'GET /v1/id: the daemon answered 504: gateway timeout' })
  })

  it("a reply that does not match the route's schema is ResponseInvalidError naming the field", async () => {
    await fakeDaemon((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"peer":"p","addresses":"none","version":"1"}')
    })
    await expect(createApiClient({ home, socketPath }).id()).rejects.toThrow(ResponseInvalidError)
    await expect(createApiClient({ home, socketPath }).id()).rejects.toThrow(/GET \/v1\/id: unexpected response: addresses: /)
  })

  it('a download cut short fails the read instead of ending quietly', async () => {
    await fakeDaemon((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '10' })
      res.write('12345', () => {
        res.destroy()
      })
    })
    const download = await createApiClient({ home, socketPath }).cat('bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am')
    expect(download.size).toBe(10)
    const read = (async () => {
      for await (const _ of download.body) {}
    })()
    await expect(read).rejects.toThrow(new ResponseInvalidError('GET /v1/content/:cid: the connection dropped after 5 of 10 bytes'))
  })

  it('a download that stalls fails with RequestTimeoutError', async () => {
    await fakeDaemon((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '10' })
      res.write('12345')
    })
    const download = await createApiClient({ home, socketPath }).cat('bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am', { timeoutMs: 50 })
    const read = (async () => {
      for await (const _ of download.body) {}
    })()
    await expect(read).rejects.toBeInstanceOf(RequestTimeoutError)
  })

  it('an abort during a request rejects with AbortedError', async () => {
    await fakeDaemon(() => {})
    const controller = new AbortController()
    const pending = createApiClient({ home, socketPath }).status({ signal: controller.signal })
    controller.abort()
    await expect(pending).rejects.toBeInstanceOf(AbortedError)
  })

  it("an upload whose source fails reports the source's error", async () => {
    await fakeDaemon((req, res) => {
      req.resume()
      req.on('end', () => res.end('{}'))
    })
    const source = (async function* () {
      yield Buffer.from('a')
      throw new Error('disk read failed')
    })()
    await expect(createApiClient({ home, socketPath }).add(source)).rejects.toThrow('disk read failed')
  })
})
