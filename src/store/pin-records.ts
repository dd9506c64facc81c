import { signalOnly } from '../lifecycle/index.ts'
import * as cborg from 'cborg'
import { Key } from 'interface-datastore'
import { base36 } from 'multiformats/bases/base36'
import { PinRecordInvalidError } from './errors.ts'
import type { PinMetadata } from './pin-metadata.ts'
import type { AbortOptions } from './types.ts'
import { readIfPresent } from './datastore-read.ts'
import type { Datastore } from 'interface-datastore'
import { CID } from 'multiformats/cid'

/**
 * Pins in Helia 7.1's own records, read and written here (Helia's `pins` and its
 * gc read the same records: the daemon's IPNS registry pins through Helia):
 *
 *   /pin/<root CID, base36>                 cborg { depth: Infinity, metadata }
 *   /pinned-block/<block multihash, base36>  cborg { pinCount, pinnedBy: [root CID bytes, …] }
 *
 * Helia's `pins.add` walks the DAG itself, reading every block (leaves too:
 * each 1 MiB leaf read again from disk) after artdag has already made the DAG
 * local and listed its blocks, then writes one record per block and the pin,
 * each a separate write. Here the caller gives the blocks it listed, and the
 * records and the pin go in one batch: LevelDB applies it whole or not at all.
 * `rm` likewise. (And the store need not load Helia's pins, which bring ~90
 * modules: `artdag render` with no daemon runs without Helia.)
 *
 * Helia 7.1's `pins.rm(cid)` has a bug that loses data: it decrements a
 * block's count but filters `pinnedBy` with the test inverted, so it keeps the
 * removed `cid` (and drops the others). Pinned again, Helia's `add` would find
 * `cid` in `pinnedBy`, take the block as counted and not increment; two DAGs
 * sharing a block (pin A, pin B, unpin B, pin B, unpin A) then reach a count
 * of 0 and gc deletes a block of B, still pinned. `rm` here filters the right
 * way; and since records Helia's `rm` wrote may still be around, `add` drops
 * any mention of a root that is being pinned (so not pinned: the mention is
 * stale) and counts the block up by one, as it should.
 *
 * A block's record is read, changed and written back: `exclusive` runs such
 * changes one at a time, so that two pins of DAGs sharing a block cannot both
 * count from the same value.
 */
export const PIN_PREFIX = '/pin/'
export const PINNED_BLOCK_PREFIX = '/pinned-block/'

interface PinnedBlock {
  pinCount: number
  pinnedBy: Uint8Array[]
}

/** A pin as Helia stores it: `depth` Infinity for a whole DAG. */
export interface PinRecord {
  depth: number
  metadata: PinMetadata
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
    const pinKey = pinKeyOf(root)
    return await this.exclusive(async () => {
      if (await this.#datastore.has(pinKey, signalOnly(options))) return false
      const records = new Map<string, { key: Key, record: PinnedBlock }>()
      for (const cid of blocks) {
        const key = blockKeyOf(cid)
        const id = key.toString()
        if (records.has(id)) continue // a block the DAG holds twice counts once, as in Helia
        const record = await this.#pinnedBlock(key, options) ?? { pinCount: 0, pinnedBy: [] }
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

  /** The pin of `root`, or undefined. */
  async get (root: CID, options: AbortOptions = {}): Promise<PinRecord | undefined> {
    const bytes = await readIfPresent(this.#datastore, pinKeyOf(root), options)
    return bytes === undefined ? undefined : cborg.decode(bytes) as PinRecord
  }

  /** Every pin. */
  async *ls (options: AbortOptions = {}): AsyncGenerator<{ cid: CID } & PinRecord> {
    for await (const { key, value } of this.#datastore.query({ prefix: PIN_PREFIX }, signalOnly(options))) {
      yield { cid: CID.parse(key.toString().slice(PIN_PREFIX.length), base36), ...(cborg.decode(value) as PinRecord) }
    }
  }

  /** Replaces the metadata of the pin of `root` (the caller holds `exclusive`: it read the pin first). */
  async setMetadata (root: CID, metadata: PinMetadata, options: AbortOptions = {}): Promise<void> {
    const pin = await this.get(root, options)
    if (pin === undefined) throw new PinRecordInvalidError(`${root} is not pinned: no metadata to set`, { cid: root.toString() })
    await this.#datastore.put(pinKeyOf(root), cborg.encode({ ...pin, metadata }), signalOnly(options))
  }

  /** Whether a pin holds `block` (as the root of its DAG or inside it). */
  async isPinned (block: CID, options: AbortOptions = {}): Promise<boolean> {
    return await this.#datastore.has(blockKeyOf(block), signalOnly(options))
  }

  /**
   * Unpins `root`, whose DAG is `blocks` (the local ones: a block that is gone
   * has nothing to count down). Returns false if it was not pinned. Each
   * block's count goes down by one and `root` leaves its `pinnedBy`; a record
   * at zero is deleted (gc may then take the block). One batch, like `add`.
   */
  async rm (root: CID, blocks: Iterable<CID>, options: AbortOptions = {}): Promise<boolean> {
    const pinKey = pinKeyOf(root)
    return await this.exclusive(async () => {
      if (!(await this.#datastore.has(pinKey, signalOnly(options)))) return false
      const batch = this.#datastore.batch()
      const seen = new Set<string>()
      for (const cid of blocks) {
        const key = blockKeyOf(cid)
        const id = key.toString()
        if (seen.has(id)) continue
        seen.add(id)
        const record = await this.#pinnedBlock(key, options)
        if (record === undefined) continue
        record.pinnedBy = record.pinnedBy.filter(bytes => !equal(bytes, root.bytes))
        record.pinCount--
        if (record.pinCount <= 0) batch.delete(key)
        else batch.put(key, cborg.encode(record))
      }
      batch.delete(pinKey)
      options.signal?.throwIfAborted()
      await batch.commit()
      return true
    })
  }

  /** A block's record, or undefined when no pin holds the block. */
  async #pinnedBlock (key: Key, options: AbortOptions): Promise<PinnedBlock | undefined> {
    const bytes = await readIfPresent(this.#datastore, key, options)
    if (bytes === undefined) return undefined
    const record: unknown = cborg.decode(bytes)
    if (!isPinnedBlock(record)) throw new PinRecordInvalidError(`the pin record ${key.toString()} is not { pinCount, pinnedBy }: the datastore holds something Helia did not write`, { key: key.toString() })
    return record
  }
}

function pinKeyOf (root: CID): Key {
  return new Key(`${PIN_PREFIX}${(root.version === 0 ? root.toV1() : root).toString(base36)}`)
}

function blockKeyOf (block: CID): Key {
  return new Key(`${PINNED_BLOCK_PREFIX}${base36.encode(block.multihash.bytes)}`)
}

function isPinnedBlock (value: unknown): value is PinnedBlock {
  const v = value as { pinCount?: unknown, pinnedBy?: unknown }
  return typeof v?.pinCount === 'number' && Array.isArray(v.pinnedBy) && v.pinnedBy.every(item => item instanceof Uint8Array)
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}
