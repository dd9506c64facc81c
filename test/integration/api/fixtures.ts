import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHeliaLight } from 'helia'
import { Registry } from 'prom-client'
import { afterEach } from 'vitest'
import { createApiClient } from '../../../src/api/client.ts'
import type { ApiClient } from '../../../src/api/client.ts'
import type { ApiComponents, EventListener, EventsBackend, PeersBackend, SystemBackend } from '../../../src/api/backend.ts'
import type { ApiEvent, NodeStatus, PeerEntry } from '../../../src/api/schemas.ts'
import { createApiServer } from '../../../src/api/server/server.ts'
import type { ApiServer, ApiServerInit } from '../../../src/api/server/server.ts'
import { silentLogger } from '../../../src/log.ts'
import { ensureHomeDir, homePaths } from '../../../src/node/home.ts'
import { openStores } from '../../../src/node/stores.ts'
import { HeliaContentStore } from '../../../src/store/content.ts'
import type { ContentStore } from '../../../src/store/types.ts'

/**
 * A real status socket in a temp home: the real server, the real client, and
 * the real HeliaContentStore over a Helia light with a blockstore-fs under the
 * home (offline: no network). The system, peers and events backends are the
 * daemon's; here they are small in-test implementations that return fixed
 * data and let a test publish events.
 */

export const PEER_ID = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
export const STARTED_AT = 1_700_000_000_000

export function nodeStatus (): NodeStatus {
  return {
    peer: PEER_ID,
    version: '0.1.0',
    startedAt: STARTED_AT,
    peers: { connected: 2 },
    membership: { alive: 2, suspect: 1, dead: 0 },
    slots: { total: 4, busy: 1 },
    steps: [{ cacheId: 'a'.repeat(64), type: 'scale', job: null, startedAt: STARTED_AT + 5, progress: 0.5 }],
    jobs: { running: 1, completed: 3, failed: 0, cancelled: 0 },
    ffmpeg: { path: '/usr/bin/ffmpeg', version: '7.1' },
    executors: { builds: [{ ffmpegVersion: '7.1', threads: 0, peers: [PEER_ID] }], split: false }
  }
}

export const PEERS: PeerEntry[] = [{
  peer: PEER_ID,
  state: 'alive',
  lastSeen: STARTED_AT + 1000,
  addresses: [`/ip4/127.0.0.1/tcp/4101/p2p/${PEER_ID}`],
  capacity: { slots: 4 },
  load: { running: 1 },
  source: 'heartbeat',
  self: true,
  since: STARTED_AT,
  version: '0.1.0',
  capabilities: { ffmpegVersion: '7.1', encoders: ['h264'] }
}]

export function systemBackend (): SystemBackend {
  return {
    identity: async () => ({ peer: PEER_ID, addresses: PEERS[0]!.addresses, version: '0.1.0' }),
    status: async () => nodeStatus()
  }
}

export function peersBackend (): PeersBackend {
  return { peers: async () => PEERS }
}

/** An events backend a test drives: `emit` reaches every subscriber; `subscribed()` waits for one. */
export class TestEvents implements EventsBackend {
  private readonly listeners = new Set<EventListener>()
  private readonly waiters: Array<{ count: number, resolve: () => void }> = []

  subscribe (listener: EventListener): () => void {
    this.listeners.add(listener)
    this.notify()
    return () => {
      this.listeners.delete(listener)
      this.notify()
    }
  }

  get subscribers (): number {
    return this.listeners.size
  }

  emit (event: ApiEvent): void {
    for (const listener of this.listeners) listener(event)
  }

  /** Resolves when exactly `count` clients are subscribed. */
  async waitForSubscribers (count: number): Promise<void> {
    if (this.listeners.size === count) return
    await new Promise<void>(resolve => {
      this.waiters.push({ count, resolve })
    })
  }

  private notify (): void {
    for (const waiter of Array.from(this.waiters)) {
      if (waiter.count === this.listeners.size) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
  }
}

export interface RealContentStore {
  store: HeliaContentStore
  close: () => Promise<void>
}

/** The real content store over a Helia light on blockstore-fs + LevelDB in `home`, offline. */
export async function openContentStore (home: string): Promise<RealContentStore> {
  const stores = await openStores(homePaths(home))
  const helia = createHeliaLight({ blockstore: stores.blockstore, datastore: stores.datastore })
  await helia.start()
  return {
    store: new HeliaContentStore({ helia }, { offline: true }),
    close: async () => {
      await helia.stop()
      await stores.close()
    }
  }
}

export interface Harness {
  home: string
  socketPath: string
  server: ApiServer
  client: ApiClient
  events: TestEvents
  content: ContentStore
  metrics: Registry
  close: () => Promise<void>
}

export interface HarnessOptions {
  init?: Partial<ApiServerInit>
  components?: Partial<ApiComponents>
  /** Wrap the real store (e.g. to watch chunks arrive). */
  wrapContent?: (store: ContentStore) => ContentStore
}

export async function makeHome (): Promise<string> {
  const home = join(await mkdtemp(join(tmpdir(), 'artdag-api-')), 'home')
  await ensureHomeDir(home)
  return home
}

export async function startHarness (options: HarnessOptions = {}): Promise<Harness> {
  const home = await makeHome()
  const real = await openContentStore(home)
  const events = new TestEvents()
  const metrics = new Registry()
  const content = options.wrapContent?.(real.store) ?? real.store
  const socketPath = homePaths(home).socket
  const server = createApiServer({
    system: systemBackend(),
    peers: peersBackend(),
    content,
    events,
    metrics,
    logger: silentLogger(),
    ...options.components
  }, { socketPath, home, now: () => STARTED_AT + 60_000, ...options.init })
  await server.start()
  return {
    home,
    socketPath,
    server,
    client: createApiClient({ home, socketPath }),
    events,
    content,
    metrics,
    close: async () => {
      await server.stop()
      await real.close()
      await rm(join(home, '..'), { recursive: true, force: true })
    }
  }
}

/** A `start` for a test file: each call starts a harness, closed after the test that started it. */
export function harnessPerTest (): (options?: HarnessOptions) => Promise<Harness> {
  let harness: Harness | undefined
  afterEach(async () => {
    await harness?.close()
    harness = undefined
  })
  return async options => {
    harness = await startHarness(options)
    return harness
  }
}
