import { DatastoreCacheIndex, HeliaContentStore } from '../store/light/index.ts'
import type { AbortOptions, CacheIndex, HeliaContentStoreInit } from '../store/light/index.ts'
import { ensureHomeDir, homePaths, readOptionalPeerId } from './home.ts'
import { checkDatastoreVersion, offlineHelia } from './offline-helia.ts'
import { acquireRepoLock } from './repo-lock.ts'
import { openStores } from './stores.ts'
import type { HomePaths } from './home.ts'
import type { OfflineHelia } from './offline-helia.ts'

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
 * No Helia runs, nor libp2p (offline-helia.ts): a block that is not local is
 * ContentNotFoundError at once. The peer id (what the cache index names as a
 * step's producer) is read when the home has an identity; a home made only by
 * a render has none.
 */
export interface EmbeddedNode {
  readonly paths: HomePaths
  readonly peerId?: string | undefined
  readonly helia: OfflineHelia
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
    const peerId = await readOptionalPeerId(paths)
    stores = await openStores(paths)
    await checkDatastoreVersion(stores.datastore)
    const helia = offlineHelia(stores)
    const opened = stores
    let stopping: Promise<void> | undefined
    return {
      paths,
      peerId,
      helia,
      content: new HeliaContentStore({ helia }, { ...init.content, offline: true }),
      cacheIndex: new DatastoreCacheIndex({ datastore: helia.datastore }),
      stop: async () => {
        stopping ??= (async () => {
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
