import { Key } from 'interface-datastore'
import { PinRecords } from '../store/light/index.ts'
import { DatastoreVersionError } from './errors.ts'
import type { CID } from 'multiformats/cid'
import type { Datastore } from 'interface-datastore'
import type { BlockFiles } from './block-files.ts'

/**
 * What the content store uses of Helia, for a node with no network (`artdag
 * render`, `plan`, `get`… when no daemon runs): the home's blocks and records,
 * and gc. Helia's class brings ~100 modules (its utilities, libp2p's, a
 * keychain: ~50 ms of such a command's start, docs/BENCHMARKS.md "Cache") and,
 * offline, adds nothing to them: no block brokers, no routing. Blocks are read
 * and written as Helia does: a block already here is not written again, a
 * missing one is NotFoundError at once, an identity CID is its own digest.
 * Pins live in the datastore (src/store/pin-records.ts), in Helia's records.
 */
export interface OfflineHelia {
  blockstore: OfflineBlocks
  datastore: Datastore
  /** Deletes every block no pin holds. */
  gc: (options?: { signal?: AbortSignal, onProgress?: (event: { type: string, detail: unknown }) => void }) => Promise<void>
}

export interface OfflineBlocks {
  get: (cid: CID, options?: { signal?: AbortSignal }) => AsyncGenerator<Uint8Array>
  has: (cid: CID, options?: { signal?: AbortSignal }) => Promise<boolean>
  put: (cid: CID, bytes: Uint8Array, options?: { signal?: AbortSignal }) => Promise<CID>
}

/** The identity multihash: the block is the digest itself. */
const IDENTITY = 0x00

/** Helia's datastore layout version, written by the first Helia to open a home (helia/dist/src/datastore-version.js). */
const VERSION_KEY = new Key('/version')
const DATASTORE_VERSION = '1'

/** What Helia's start checks: a new home gets the version; another version is refused. */
export async function checkDatastoreVersion (datastore: Datastore): Promise<void> {
  if (!(await datastore.has(VERSION_KEY))) {
    await datastore.put(VERSION_KEY, new TextEncoder().encode(DATASTORE_VERSION))
    return
  }
  const version = new TextDecoder().decode(await datastore.get(VERSION_KEY))
  if (Number.parseInt(version, 10) !== Number(DATASTORE_VERSION)) {
    throw new DatastoreVersionError(`the home's datastore is at version ${JSON.stringify(version)}, this artdag reads version ${DATASTORE_VERSION}: it was written by another Helia; open it with the artdag that made it`, { version })
  }
}

export function offlineHelia (stores: { blockstore: BlockFiles, datastore: Datastore }): OfflineHelia {
  const { blockstore, datastore } = stores
  const pins = new PinRecords(datastore)
  return {
    datastore,
    blockstore: {
      async *get (cid, options = {}) {
        if (cid.multihash.code === IDENTITY) {
          yield cid.multihash.digest
          return
        }
        yield* blockstore.get(cid, options)
      },
      has: async (cid, options = {}) => cid.multihash.code === IDENTITY || await blockstore.has(cid, options),
      put: async (cid, bytes, options = {}) => {
        if (cid.multihash.code === IDENTITY || await blockstore.has(cid, options)) return cid
        return await blockstore.put(cid, bytes, options)
      }
    },
    gc: async (options = {}) => {
      for await (const { cid } of blockstore.getAll(options)) {
        options.signal?.throwIfAborted()
        if (await pins.isPinned(cid, options)) continue
        await blockstore.delete(cid, options)
        options.onProgress?.({ type: 'helia:gc:deleted', detail: cid })
      }
    }
  }
}
