import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { DatastoreCacheIndex, HeliaContentStore } from '../store/index.ts'
import type { AbortOptions, CacheIndex, HeliaContentStoreInit } from '../store/index.ts'
import { ensureHomeDir, homePaths, readOptionalIdentity } from './home.ts'
import { createHeliaLight } from './helia-light.ts'
import { acquireRepoLock } from './repo-lock.ts'
import { openStores } from './stores.ts'
import type { HomePaths } from './home.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { Helia } from 'helia'

export interface EmbeddedNodeInit {
  home: string
  content?: Omit<HeliaContentStoreInit, 'offline'>
  /** Take the home's repo lock (a running daemon makes this fail with RepoLockedError). @default true */
  lock?: boolean
  /** What the lock says holds the home. @default 'render' */
  purpose?: string
}

/**
 * The stores of a home with no networking, for `artdag render` when no
 * daemon runs: the same blockstore, datastore, content store and cache index
 * the daemon uses, so what a render produces is there when the daemon starts.
 * Helia runs without libp2p (no block brokers): a block that is not local is
 * ContentNotFoundError at once. The identity is loaded when the home has one
 * (to sign cache records later); a home made only by a render has none.
 */
export interface EmbeddedNode {
  readonly paths: HomePaths
  readonly peerId?: PeerId | undefined
  readonly privateKey?: PrivateKey | undefined
  readonly helia: Helia
  readonly content: HeliaContentStore
  readonly cacheIndex: CacheIndex
  stop: () => Promise<void>
}

export async function createEmbeddedNode (init: EmbeddedNodeInit, options: AbortOptions = {}): Promise<EmbeddedNode> {
  const paths = homePaths(init.home)
  await ensureHomeDir(paths.home)
  options.signal?.throwIfAborted()
  const lock = init.lock === false ? undefined : await acquireRepoLock(paths.lock, { purpose: init.purpose ?? 'render' })
  let stores
  try {
    const identity = await readOptionalIdentity(paths)
    stores = await openStores(paths)
    const helia = await createHeliaLight({ blockstore: stores.blockstore, datastore: stores.datastore, codecs: [dagJson, dagCbor] })
    await helia.start()
    const opened = stores
    let stopping: Promise<void> | undefined
    return {
      paths,
      peerId: identity?.peerId,
      privateKey: identity?.privateKey,
      helia,
      content: new HeliaContentStore({ helia }, { ...init.content, offline: true }),
      cacheIndex: new DatastoreCacheIndex({ datastore: helia.datastore }),
      stop: async () => {
        stopping ??= (async () => {
          await helia.stop()
          await opened.close()
          await lock?.release()
        })()
        await stopping
      }
    }
  } catch (err: unknown) {
    // Undoing a failed start: the start's error is the one to report.
    await stores?.close().catch(() => {})
    await lock?.release()
    throw err
  }
}
