import { execFile } from 'node:child_process'
import { chmod, lstat, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Registry } from 'prom-client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApiClient } from '../../../src/api/client.ts'
import { DaemonNotRunningError, SocketInUseError, SocketPathError } from '../../../src/api/errors.ts'
import { createApiServer } from '../../../src/api/server/server.ts'
import type { ApiServer } from '../../../src/api/server/server.ts'
import { silentLogger } from '../../../src/log.ts'
import { homePaths } from '../../../src/node/home.ts'
import { makeHome, openContentStore, peersBackend, systemBackend, TestEvents } from './fixtures.ts'
import type { RealContentStore } from './fixtures.ts'
import { connectAsNobody, makeStaleSocket, rawRequest } from './helpers.ts'

const execFileAsync = promisify(execFile)

let home: string
let socketPath: string
let store: RealContentStore
const servers: ApiServer[] = []

function newServer (events = new TestEvents(), path = socketPath): ApiServer {
  const server = createApiServer({
    system: systemBackend(),
    peers: peersBackend(),
    content: store.store,
    events,
    metrics: new Registry(),
    logger: silentLogger()
  }, { socketPath: path, home })
  servers.push(server)
  return server
}

beforeEach(async () => {
  home = await makeHome()
  socketPath = homePaths(home).socket
  store = await openContentStore(home)
})

afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop()
  await store.close()
  await rm(join(home, '..'), { recursive: true, force: true })
})

describe('the socket file', () => {
  it('is a 0600 socket in a 0700 home, answering as soon as start() resolves', async () => {
    await newServer().start()
    const info = await lstat(socketPath)
    expect(info.isSocket()).toBe(true)
    expect(info.mode & 0o777).toBe(0o600)
    expect((await stat(home)).mode & 0o777).toBe(0o700)
    expect((await rawRequest(socketPath, 'GET', '/v1/id')).status).toBe(200)
  })

  it('refuses another user: the socket mode alone keeps uid 65534 out', async () => {
    await newServer().start()
    expect((await lstat(socketPath)).mode & 0o077).toBe(0)
    // Connecting as another user needs root to switch to it; elsewhere the mode bits above are the check.
    if (process.getuid?.() !== 0) return
    // The 0700 home already keeps others out; open it up so the socket's own mode is what is tested.
    expect(await connectAsNobody(socketPath)).toBe('EACCES')
    await chmod(join(home, '..'), 0o755)
    await chmod(home, 0o755)
    expect(await connectAsNobody(socketPath)).toBe('EACCES')
    // The probe is not vacuous: with the socket opened up, the same child connects.
    await chmod(socketPath, 0o666)
    expect(await connectAsNobody(socketPath)).toBe('connected')
  })

  it('replaces a stale socket left by a dead daemon', async () => {
    makeStaleSocket(socketPath)
    expect((await lstat(socketPath)).isSocket()).toBe(true)
    await expect(createApiClient({ home, socketPath }).id()).rejects.toBeInstanceOf(DaemonNotRunningError)
    await newServer().start()
    expect((await rawRequest(socketPath, 'GET', '/v1/id')).status).toBe(200)
  })

  it('refuses to start while another daemon listens on the socket, and leaves it serving', async () => {
    await newServer().start()
    const second = newServer()
    await expect(second.start()).rejects.toThrow(SocketInUseError)
    await expect(second.start()).rejects.toThrow(`another artdag daemon is listening on ${socketPath}`)
    expect((await rawRequest(socketPath, 'GET', '/v1/id')).status).toBe(200)
  })

  it('does not remove a file that is not a socket', async () => {
    await writeFile(socketPath, 'precious')
    await expect(newServer().start()).rejects.toThrow(SocketPathError)
    expect((await lstat(socketPath)).isFile()).toBe(true)
  })

  it('refuses a path too long for a Unix socket, naming it', async () => {
    const long = join(home, 'x'.repeat(120), 'artdag.sock')
    await expect(newServer(new TestEvents(), long).start()).rejects.toThrow(/over the 107 a Unix socket allows/)
  })
})

describe('stop()', () => {
  it('ends open event streams and removes the socket', async () => {
    const events = new TestEvents()
    const server = newServer(events)
    await server.start()
    const client = createApiClient({ home, socketPath })
    const stream = await client.events()
    await events.waitForSubscribers(1)
    const drained = (async () => {
      const seen: unknown[] = []
      for await (const event of stream) seen.push(event)
      return seen
    })()
    events.emit({ type: 'heartbeat', time: 1, peer: 'p1', slots: 2, running: 0, leases: 0, jobs: 0 })

    await server.stop()
    expect(await drained).toEqual([{ type: 'heartbeat', time: 1, peer: 'p1', slots: 2, running: 0, leases: 0, jobs: 0 }])
    expect(events.subscribers).toBe(0)
    await expect(lstat(socketPath)).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(client.id()).rejects.toBeInstanceOf(DaemonNotRunningError)
  })

  it('leaves no handle behind (checked in a fresh process, where every handle is ours)', async () => {
    const child = fileURLToPath(new URL('./stop-child.ts', import.meta.url))
    const { stdout, stderr } = await execFileAsync(process.execPath, [child], { timeout: 20_000 })
    expect(stderr).toBe('')
    expect(JSON.parse(stdout)).toEqual([])
  })

  it('can start again after a stop', async () => {
    const server = newServer()
    await server.start()
    await server.stop()
    await server.start()
    expect((await rawRequest(socketPath, 'GET', '/v1/id')).status).toBe(200)
  })
})
