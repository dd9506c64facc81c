import { signalOnly } from '../../lifecycle/index.ts'
import { DagWalk } from './dag-walk.ts'
import { collect } from '../bytes.ts'
import type { DagWalkInit } from './dag-walk.ts'
import type { AbortOptions } from '../types.ts'
import type { CID } from 'multiformats/cid'

/**
 * The local blockstore as the transfer sees it. `put` goes through Helia's
 * blockstore, so a block that arrives by transfer is stored, announced to
 * bitswap's want-lists and later pinned exactly like one bitswap fetched.
 */
export interface LocalBlocks {
  /** A block from this node's store only; throws when it is not there. */
  getLocal: (cid: CID, options: AbortOptions) => Promise<Uint8Array>
  has: (cid: CID, options: AbortOptions) => Promise<boolean>
  put: (cid: CID, bytes: Uint8Array, options: AbortOptions) => Promise<void>
}

/** What Helia's blockstore offers (`get` streams a block's bytes). */
export interface HeliaBlockstoreLike {
  get: (cid: CID, options: { signal?: AbortSignal, offline?: boolean }) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>
  has: (cid: CID, options?: { signal?: AbortSignal }) => boolean | Promise<boolean>
  put: (cid: CID, bytes: Uint8Array, options?: { signal?: AbortSignal }) => unknown
}

export function heliaLocalBlocks (blockstore: HeliaBlockstoreLike): LocalBlocks {
  return {
    getLocal: async (cid, options) => await collect(blockstore.get(cid, { ...signalOnly(options), offline: true })),
    has: async (cid, options) => await blockstore.has(cid, signalOnly(options)),
    put: async (cid, bytes, options) => {
      await blockstore.put(cid, bytes, signalOnly(options))
    }
  }
}

/**
 * Whether every block the walk would visit is local: interior nodes are read
 * (to find their children), leaves are only checked with `has`. The holder
 * asks this before it answers HAVE; the requester, before it goes to the network.
 * `interior` (when given) keeps the interior nodes read, by CID: the holder
 * sends them next, and need not read them again.
 */
export async function holdsAll (root: CID, init: DagWalkInit, blocks: Pick<LocalBlocks, 'getLocal' | 'has'>, options: AbortOptions, interior?: Map<string, Uint8Array>): Promise<boolean> {
  const walk = new DagWalk(root, init)
  while (!walk.done) {
    options.signal?.throwIfAborted()
    const cid = walk.next!
    if (!(await blocks.has(cid, options))) return false
    if (walk.nextIsLeaf) {
      walk.skipLeaf()
    } else {
      const block = await blocks.getLocal(cid, options)
      interior?.set(cid.toString(), block)
      walk.accept(block)
    }
  }
  return true
}
