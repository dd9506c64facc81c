// The two datastores used, not datastore-core's entry (which loads every one, and @libp2p/logger with its tiered one).
import { MemoryDatastore } from 'datastore-core/memory'
import { MountDatastore } from 'datastore-core/mount'
import { LevelDatastore } from 'datastore-level'
import { Key } from 'interface-datastore'
import type { Datastore } from 'interface-datastore'
import { BlockFiles } from './block-files.ts'
import type { HomePaths } from './home.ts'

/** libp2p's peer store: rewritten on every new stream, and rebuilt from the IPNS registry and bootstrap after a restart. */
const PEER_STORE_PREFIX = new Key('/peers')

/**
 * The node's persistent stores under its home: blocks as files
 * (blockstore-fs, read by block-files.ts), records in LevelDB (datastore-level: DHT and IPNS records,
 * pins, the cache index; the peer store stays in memory). Opened before Helia starts and
 * closed after it stops; LevelDB holds a file lock of its own while open.
 */
export interface NodeStores {
  blockstore: BlockFiles
  /** LevelDB, except libp2p's peer store, which is kept in memory. */
  datastore: Datastore
  close: () => Promise<void>
}

export async function openStores (paths: Pick<HomePaths, 'blocks' | 'datastore'>): Promise<NodeStores> {
  const blockstore = new BlockFiles(paths.blocks)
  const datastore = new LevelDatastore(paths.datastore)
  await blockstore.open()
  try {
    await datastore.open()
  } catch (err: unknown) {
    await blockstore.close()
    throw err
  }
  return {
    blockstore,
    // Every new stream rewrites the remote peer's entry (its protocols); on disk that was a LevelDB
    // read and write per stream, ~15 % of an idle daemon's CPU (docs/BENCHMARKS.md, Idle).
    datastore: new MountDatastore([
      { prefix: PEER_STORE_PREFIX, datastore: new MemoryDatastore() },
      { prefix: new Key('/'), datastore }
    ]),
    close: async () => {
      await datastore.close()
      await blockstore.close()
    }
  }
}
