import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createArtdagNode } from '../../../src/node/create-node.ts'
import { createEmbeddedNode } from '../../../src/node/embedded.ts'
import { homePaths, initHome } from '../../../src/node/home.ts'
import { createTestCluster } from './fixtures.ts'
import type { TestCluster } from './fixtures.ts'

const NODE = resolve('node_modules/.bin/node')

describe('node lifecycle', () => {
  let cluster: TestCluster
  beforeEach(async () => {
    cluster = await createTestCluster('artdag-lifecycle-')
  })
  afterEach(async () => {
    await cluster.cleanup()
  })

  it('a stopped node leaves no timer or socket behind: its process exits by itself', async () => {
    const child = spawn(NODE, [resolve('test/integration/node/fixtures/stop-and-exit.ts')], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    // A handle left behind keeps the child alive: the fixture then reports what is active after 5 s.
    const [code] = await once(child, 'exit')
    expect(stderr).toBe('')
    expect(JSON.parse(stdout)).toMatchObject({ exitedByItself: true })
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toEqual({ read: 3 * 1024 * 1024, found: true, exitedByItself: true })
  })

  it('the whole daemon starts and stops five times in one process and leaves no handle behind', async () => {
    const child = spawn(NODE, [resolve('test/integration/node/fixtures/daemon-loop.ts')], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    // A handle left behind keeps the child alive: the fixture then reports what is active after 5 s.
    const [code] = await once(child, 'exit')
    expect(stderr).toBe('')
    expect(JSON.parse(stdout)).toEqual({ rounds: 5, samePeer: true, exitedByItself: true })
    expect(code).toBe(0)
  }, 120_000)

  it('holds the home: a render while the daemon runs is refused with its pid; stop releases it', async () => {
    const node = await cluster.start('daemon')
    const home = homePaths(node.paths.home).home
    await expect(createEmbeddedNode({ home })).rejects.toThrow(expect.objectContaining({
      name: 'RepoLockedError',
      message: expect.stringContaining(`the home is in use by this process (daemon, since`)
    }))
    await expect(createArtdagNode({ home, listen: ['/ip4/127.0.0.1/tcp/0'] })).rejects.toThrow(expect.objectContaining({ name: 'RepoLockedError' }))
    await node.stop()
    await node.stop() // twice is fine
    const embedded = await createEmbeddedNode({ home })
    expect(embedded.peerId?.toString()).toBe(node.peerId.toString()) // the home's identity
    await embedded.stop()
    const again = await cluster.start('daemon')
    expect(again.peerId.toString()).toBe(node.peerId.toString())
  })

  it('a home without keys asks for init; a failed start leaves no lock behind', async () => {
    const home = resolve(cluster.dir, 'empty')
    await expect(createArtdagNode({ home, listen: ['/ip4/127.0.0.1/tcp/0'] })).rejects.toThrow(expect.objectContaining({
      name: 'HomeNotInitializedError',
      message: expect.stringContaining('run `artdag init`')
    }))
    await expect(cluster.start('bad-listen', { listen: ['not-a-multiaddr'] })).rejects.toThrow(expect.objectContaining({
      name: 'InvalidMultiaddrError',
      message: expect.stringContaining('listen: "not-a-multiaddr" is not a multiaddr')
    }))
    const node = await cluster.start('bad-listen') // the failed start released the lock and closed the stores
    await node.stop()
  })

  it('an aborted start is rolled back', async () => {
    const home = resolve(cluster.dir, 'aborted')
    await initHome({ home })
    const controller = new AbortController()
    const starting = createArtdagNode({ home, listen: ['/ip4/127.0.0.1/tcp/0'] }, { signal: controller.signal })
    controller.abort() // while it reads the keys
    await expect(starting).rejects.toThrow(expect.objectContaining({ name: 'AbortedError', message: 'aborted while starting the node' }))
    const node = await cluster.start('aborted') // nothing left locked or open
    await node.stop()
  })
})
