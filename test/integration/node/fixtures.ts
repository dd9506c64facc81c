import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger, silentLogger } from '../../../src/log.ts'
import { createArtdagNode } from '../../../src/node/create-node.ts'
import { initHome } from '../../../src/node/home.ts'
import { generateSwarmKey } from '../../../src/node/swarm-key.ts'
import type { Logger, LogLevel } from '../../../src/log.ts'
import type { ArtdagNode, ArtdagNodeInit } from '../../../src/node/create-node.ts'

export function testLogger (): Logger {
  const level = process.env.ARTDAG_TEST_LOG as LogLevel | undefined
  return level === undefined ? silentLogger() : createLogger({ level })
}

export interface TestCluster {
  dir: string
  swarmKey: Uint8Array
  /** Starts a node in `<dir>/<name>` (initialised on first use) on loopback TCP with the cluster's swarm key. */
  start: (name: string, init?: Partial<ArtdagNodeInit>) => Promise<ArtdagNode>
  /** Stops every node still running and removes the homes. */
  cleanup: () => Promise<void>
}

export async function createTestCluster (prefix = 'artdag-node-'): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  const swarmKey = generateSwarmKey()
  const running = new Set<ArtdagNode>()
  const logger = testLogger()
  return {
    dir,
    swarmKey,
    async start (name, init = {}) {
      const home = join(dir, name)
      await initHome({ home })
      const node = await createArtdagNode({ home, swarmKey, listen: ['/ip4/127.0.0.1/tcp/0'], logger: logger.forComponent(name), ...init })
      running.add(node)
      const stop = node.stop
      return Object.assign(node, {
        stop: async () => {
          running.delete(node)
          await stop()
        }
      })
    },
    async cleanup () {
      await Promise.all([...running].map(async node => {
        await node.stop()
      }))
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/** The node's loopback TCP address; with `/p2p/<id>` unless `withPeerId` is false. */
export function addressOf (node: ArtdagNode, withPeerId = true): string {
  const addr = node.multiaddrs().map(String).find(a => a.startsWith('/ip4/127.0.0.1/tcp/'))
  if (addr == null) throw new Error(`${node.peerId} has no loopback address`)
  return withPeerId ? addr : addr.slice(0, addr.indexOf('/p2p/'))
}

type Source = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>

/**
 * Resolves once `check()` holds, re-checking whenever one of `events` fires:
 * waiting for the event, not sleeping. Fails with `what` after `timeoutMs`.
 */
export async function until (check: () => boolean | Promise<boolean>, events: Array<[Source, string]>, what: string, timeoutMs = 15_000): Promise<void> {
  if (await check()) return
  const done = Promise.withResolvers<void>()
  let checking = false
  let again = false
  const recheck = (): void => {
    if (checking) {
      again = true // check once more when the running check ends
      return
    }
    checking = true
    again = false
    Promise.resolve(check()).then(ok => {
      if (ok) done.resolve()
    }, done.reject).finally(() => {
      checking = false
      if (again) recheck()
    })
  }
  const timer = setTimeout(() => {
    done.reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
  }, timeoutMs)
  for (const [source, name] of events) source.addEventListener(name, recheck)
  recheck() // it may have become true before the listeners were in place
  try {
    await done.promise
  } finally {
    clearTimeout(timer)
    for (const [source, name] of events) source.removeEventListener(name, recheck)
  }
}

/** A loopback TCP port nothing listens on (as of now). */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve =>
    server.close(() => {
      resolve()
    })
  )
  return port
}
