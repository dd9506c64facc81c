import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MembershipService } from '../../../src/membership/membership-service.ts'
import { createLogger, silentLogger } from '../../../src/log.ts'
import { createArtdagNode } from '../../../src/node/create-node.ts'
import { generateIdentity } from '../../../src/node/identity.ts'
import { generateSwarmKey } from '../../../src/node/swarm-key.ts'
import { toMetadata } from '../../../src/store/pin-metadata.ts'
import type { MembershipEvent, MemberState } from '../../../src/membership/core/types.ts'
import type { MembershipServiceInit } from '../../../src/membership/membership-service.ts'
import type { Logger, LogLevel } from '../../../src/log.ts'
import type { ArtdagNode } from '../../../src/node/create-node.ts'
import type { PrivateKey } from '@libp2p/interface'

/** Short timings so a test sees suspect and dead within seconds. */
export const FAST = {
  timings: { heartbeatIntervalMs: 200, suspectAfterMs: 800, deadAfterMs: 2000, forgetAfterMs: 60 * 60 * 1000 },
  registry: { publishIntervalMs: 1000, minPublishGapMs: 100, resolveTimeoutMs: 3000 }
} satisfies Partial<MembershipServiceInit>

export function testLogger (): Logger {
  const level = process.env.ARTDAG_TEST_LOG as LogLevel | undefined
  return level === undefined ? silentLogger() : createLogger({ level })
}

export interface Member {
  node: ArtdagNode
  service: MembershipService
  peerId: string
  /** The first listen address, with `/p2p/<id>`. */
  address: string
  stop: () => Promise<void>
}

export interface Cluster {
  dir: string
  swarmKey: Uint8Array
  newKey: () => Promise<PrivateKey>
  start: (name: string, key: PrivateKey, options?: { bootstrap?: string[], listen?: string[] } & Partial<MembershipServiceInit>) => Promise<Member>
  /** A node without membership: a peer holding the swarm key that never heartbeats. */
  startBare: (name: string, key: PrivateKey, bootstrap: string[]) => Promise<ArtdagNode>
  cleanup: () => Promise<void>
}

/** Homes under one temp dir, one swarm key, nodes on loopback TCP; `cleanup` stops whatever still runs. */
export async function createCluster (): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'artdag-membership-'))
  const swarmKey = generateSwarmKey()
  const running = new Set<Member>()
  const bare = new Set<ArtdagNode>()
  const logger = testLogger()
  return {
    dir,
    swarmKey,
    newKey: async () => (await generateIdentity()).privateKey,
    async start (name, privateKey, options = {}) {
      const home = join(dir, name)
      await mkdir(home, { recursive: true })
      const { bootstrap, listen, ...init } = options
      const node = await createArtdagNode({ home, privateKey, swarmKey, listen: listen ?? ['/ip4/127.0.0.1/tcp/0'], bootstrap, logger })
      const service = new MembershipService({
        libp2p: node.libp2p,
        helia: node.helia,
        ipns: node.ipns,
        privateKey,
        logger: logger.forComponent(name),
        registryPinMetadata: toMetadata({ kind: 'final', labels: { purpose: 'membership-registry' } }),
        localState: () => ({
          capacity: { slots: 2, cores: 2, freeDiskBytes: 1_000_000_000 },
          load: { runningSteps: 0, loadAverage: 0.1 },
          capabilities: { ffmpegVersion: '7.1', encoders: ['libx264'] },
          leases: [],
          jobs: []
        })
      }, { version: '0.1.0', ...FAST, ...init })
      try {
        await service.start()
      } catch (err: unknown) {
        await node.stop()
        throw err
      }
      const member: Member = {
        node,
        service,
        peerId: node.peerId.toString(),
        address: node.multiaddrs()[0]!.toString(),
        stop: async () => {
          running.delete(member)
          await service.stop()
          await node.stop()
        }
      }
      running.add(member)
      return member
    },
    async startBare (name, privateKey, bootstrap) {
      const home = join(dir, name)
      await mkdir(home, { recursive: true })
      const node = await createArtdagNode({ home, privateKey, swarmKey, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap, logger })
      bare.add(node)
      return node
    },
    async cleanup () {
      await Promise.allSettled([...running].map(async m => {
        await m.stop()
      }))
      await Promise.allSettled([...bare].map(async n => {
        await n.stop()
      }))
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/**
 * Resolves when `check()` holds, re-checking on every membership event of
 * `member` (and right away); rejects after `timeoutMs` naming what it waited for.
 */
export async function until (member: Member, what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  if (check()) return
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
    }, timeoutMs)
    const off = member.service.membership.onEvent(() => {
      if (!check()) return
      clearTimeout(timer)
      off()
      resolve()
    })
  })
}

/** Resolves when `member` has a connection to `peerId`, re-checking on every new connection. */
export async function untilConnected (member: Member, peerId: string, timeoutMs = 15_000): Promise<void> {
  const libp2p = member.node.libp2p
  const connected = (): boolean => libp2p.getPeers().some(p => p.toString() === peerId)
  if (connected()) return
  await new Promise<void>((resolve, reject) => {
    const onConnect = (): void => {
      if (!connected()) return
      clearTimeout(timer)
      libp2p.removeEventListener('peer:connect', onConnect)
      resolve()
    }
    const timer = setTimeout(() => {
      libp2p.removeEventListener('peer:connect', onConnect)
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${member.peerId} to connect to ${peerId}`))
    }, timeoutMs)
    libp2p.addEventListener('peer:connect', onConnect)
  })
}

export function stateOf (member: Member, peerId: string): MemberState | undefined {
  return member.service.membership.get(peerId)?.state
}

/** Records the events `member` sees about `peerId`. */
export function recordEvents (member: Member, peerId: string): MembershipEvent[] {
  const events: MembershipEvent[] = []
  member.service.membership.onEvent(event => {
    if (event.peerId === peerId) events.push(event)
  })
  return events
}

/** Polls a condition that no event announces (a counter), every 20 ms, within a bound. */
export async function poll (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}
