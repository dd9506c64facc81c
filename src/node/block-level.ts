import { ClassicLevel } from 'classic-level'
import { NotFoundError, PutFailedError } from 'interface-store'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import type { AbortOptions } from '@libp2p/interface'

/**
 * Small blocks in a LevelDB of their own, keyed by their multihash (as blockstore-fs names a
 * block's file: a CIDv0 and a CIDv1 of the same bytes are one block). A put is one LevelDB write:
 * appended to its log (a process that dies after the put returns keeps it; a write torn by a crash
 * is dropped whole when the log is replayed) and to the memtable, with no file created; a delete
 * is a tombstone until a compaction (`compact`, after a gc) drops it and the bytes it hid.
 */
export class BlockLevel {
  readonly #db: ClassicLevel<Uint8Array, Uint8Array>

  constructor (location: string) {
    this.#db = new ClassicLevel<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' })
  }

  async open (): Promise<void> {
    await this.#db.open()
  }

  async close (): Promise<void> {
    await this.#db.close()
  }

  async put (key: CID, bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    try {
      await this.#db.put(key.multihash.bytes, bytes)
    } catch (err: unknown) {
      throw new PutFailedError(String(err))
    }
  }

  /** The block's bytes, or undefined when it is not here. */
  async get (key: CID, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    options.signal?.throwIfAborted()
    try {
      return await this.#db.get(key.multihash.bytes)
    } catch (err: unknown) {
      throw new NotFoundError(String(err))
    }
  }

  async has (key: CID, options: AbortOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    return await this.#db.has(key.multihash.bytes)
  }

  async delete (key: CID, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    await this.#db.del(key.multihash.bytes)
  }

  /** Every block here, as a CIDv1 of raw bytes (what matters is the multihash). */
  async *cids (options: AbortOptions = {}): AsyncGenerator<CID> {
    for await (const key of this.#db.keys()) {
      options.signal?.throwIfAborted()
      yield CID.createV1(raw.code, Digest.decode(key))
    }
  }

  /**
   * Rewrites the store without what was deleted: a delete gives its bytes back only then. LevelDB
   * never rewrites its last level on request, so blocks deleted while still in the memtable's
   * first table of a new store (< 4 MiB) wait for its next compaction there.
   */
  async compact (): Promise<void> {
    await this.#db.compactRange(new Uint8Array(0), new Uint8Array([0xff, 0xff, 0xff, 0xff]))
  }
}
