import { signalOnly } from '../lifecycle/index.ts'
import * as cborg from 'cborg'
import { Key } from 'interface-datastore'
import { base36 } from 'multiformats/bases/base36'
import { errorName } from '../errors.ts'
import { PinRecordInvalidError } from './errors.ts'
import type { PinMetadata } from './pin-metadata.ts'
import type { AbortOptions } from './types.ts'
import type { Datastore } from 'interface-datastore'
import type { CID } from 'multiformats/cid'

/**
 * Pins written in Helia 7.1's own records, so that Helia's `pins.get`, `ls`,
 * `rm`, `setMetadata`, `isPinned` and gc read them as if `pins.add` had:
 *
 *   /pin/<root CID, base36>                 cborg { depth: Infinity, metadata }
 *   /pinned-block/<block multihash, base36>  cborg { pinCount, pinnedBy: [root CID bytes, …] }
 *
 * Helia's `pins.add` walks the DAG itself, reading every block (leaves too:
 * each 1 MiB leaf read again from disk) after artdag has already made the DAG
 * local and listed its blocks, then writes one record per block and the pin,
 * each a separate write. Here the caller gives the blocks it listed, and the
 * records and the pin go in one batch: LevelDB applies it whole or not at all.
 *
 * It also works around a Helia 7.1 bug that loses data: `pins.rm(cid)`
 * decrements a block's count but filters `pinnedBy` with the test inverted, so
 * it keeps the removed `cid` (and drops the others). Pinned again, Helia's
 * `add` would find `cid` in `pinnedBy`, take the block as counted and not
 * increment; two DAGs sharing a block (pin A, pin B, unpin B, pin B, unpin A)
 * then reach a count of 0 and gc deletes a block of B, still pinned. A root
 * that is being pinned is not pinned, so any mention of it in `pinnedBy` is
 * stale: it is dropped, and the count goes up by one, as it should.
 *
 * A block's record is read, changed and written back: `exclusive` runs such
 * changes one at a time (pins here, and Helia's `rm` through the caller), so
 * that two pins of DAGs sharing a block cannot both count from the same value.
 */
export const PIN_PREFIX = '/pin/'
export const PINNED_BLOCK_PREFIX = '/pinned-block/'

interface PinnedBlock {
  pinCount: number
  pinnedBy: Uint8Array[]
}

export class PinRecords {
  readonly #datastore: Datastore
  #queue: Promise<unknown> = Promise.resolve()

  constructor (datastore: Datastore) {
    this.#datastore = datastore
  }

  /** Runs `fn` when no other change of pin records is under way, and holds the others back meanwhile. */
  async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => {})
    return await run
  }

  /**
   * Pins `root` over `blocks` (every block of its DAG, all local: the caller
   * checked, under the store's gc guard). Returns false, writing nothing, if
   * `root` is pinned already (the caller merges into that pin instead).
   */
  async add (root: CID, blocks: Iterable<CID>, metadata: PinMetadata, options: AbortOptions = {}): Promise<boolean> {
    const pinKey = new Key(`${PIN_PREFIX}${(root.version === 0 ? root.toV1() : root).toString(base36)}`)
    return await this.exclusive(async () => {
      if (await this.#datastore.has(pinKey, signalOnly(options))) return false
      const records = new Map<string, { key: Key, record: PinnedBlock }>()
      for (const cid of blocks) {
        const id = base36.encode(cid.multihash.bytes)
        if (records.has(id)) continue // a block the DAG holds twice counts once, as in Helia
        const key = new Key(`${PINNED_BLOCK_PREFIX}${id}`)
        const record = await this.#pinnedBlock(key, options)
        record.pinnedBy = record.pinnedBy.filter(bytes => !equal(bytes, root.bytes))
        record.pinnedBy.push(root.bytes)
        record.pinCount++
        records.set(id, { key, record })
      }
      options.signal?.throwIfAborted()
      const batch = this.#datastore.batch()
      for (const { key, record } of records.values()) batch.put(key, cborg.encode(record))
      batch.put(pinKey, cborg.encode({ depth: Infinity, metadata }))
      // No signal: the batch is written whole; a caller that gave up meanwhile finds the pin there.
      await batch.commit()
      return true
    })
  }

  async #pinnedBlock (key: Key, options: AbortOptions): Promise<PinnedBlock> {
    let bytes: Uint8Array
    try {
      bytes = await this.#datastore.get(key, signalOnly(options))
    } catch (err: unknown) {
      if (errorName(err) === 'NotFoundError') return { pinCount: 0, pinnedBy: [] }
      throw err
    }
    const record: unknown = cborg.decode(bytes)
    if (!isPinnedBlock(record)) throw new PinRecordInvalidError(`the pin record ${key.toString()} is not { pinCount, pinnedBy }: the datastore holds something Helia did not write`, { key: key.toString() })
    return record
  }
}

function isPinnedBlock (value: unknown): value is PinnedBlock {
  const v = value as { pinCount?: unknown, pinnedBy?: unknown }
  return typeof v?.pinCount === 'number' && Array.isArray(v.pinnedBy) && v.pinnedBy.every(item => item instanceof Uint8Array)
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}
