import { FsBlockstore } from 'blockstore-fs'
import { LevelDatastore } from 'datastore-level'
import type { HomePaths } from './home.ts'

/**
 * The node's persistent stores under its home: blocks as files
 * (blockstore-fs), records in LevelDB (datastore-level: DHT and IPNS records,
 * pins, the peer store, the cache index). Opened before Helia starts and
 * closed after it stops; LevelDB holds a file lock of its own while open.
 */
export interface NodeStores {
  blockstore: FsBlockstore
  datastore: LevelDatastore
  close: () => Promise<void>
}

export async function openStores (paths: Pick<HomePaths, 'blocks' | 'datastore'>): Promise<NodeStores> {
  const blockstore = new FsBlockstore(paths.blocks)
  const datastore = new LevelDatastore(paths.datastore)
  await blockstore.open()
  try {
    await datastore.open()
  } catch (err) {
    await blockstore.close()
    throw err
  }
  return {
    blockstore,
    datastore,
    close: async () => {
      await datastore.close()
      await blockstore.close()
    }
  }
}
