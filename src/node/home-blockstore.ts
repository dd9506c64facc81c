import { join } from 'node:path'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { collect } from '../store/light/index.ts'
import { BlockFiles } from './block-files.ts'
import { BlockLevel } from './block-level.ts'

/**
 * Blocks up to this size go to the LevelDB, larger ones to files. Job documents, provenance
 * records, a tiny step's output and its ffmpeg log are a few KiB; a file's chunks are 1 MiB.
 * Measured one block after another (docs/BENCHMARKS.md, "Issue 11, seventh round"): up to 32 KiB
 * a put costs a quarter to a half of a file's CPU and a get about half; at 64 KiB a get costs as
 * much as a file's, at 256 KiB a put twice as much (LevelDB writes a value twice, in its log and
 * in a table, and more as compactions move it down).
 */
export const SMALL_BLOCK_MAX_BYTES = 32 * 1024

/** Where the small blocks' LevelDB is, inside the blocks directory (a shard directory has a two-letter name). */
export const SMALL_BLOCKS_DIR = 'small'

/**
 * The home's blockstore: small blocks in a LevelDB (block-level.ts), the others in files
 * (block-files.ts, blockstore-fs's layout). Creating a file per block cost a tiny step more than
 * writing the block (ext4 allocating inodes: docs/BENCHMARKS.md, "Issue 11"). A block is looked
 * for in both, so a home whose blocks were all written as files before keeps serving them, and a
 * delete removes it from both. A put that returns has stored the block in one of the two.
 */
export class HomeBlockstore implements Blockstore {
  readonly path: string
  readonly #files: BlockFiles
  readonly #small: BlockLevel
  /** Small blocks were deleted since the last compaction. */
  #smallDeleted = false

  constructor (location: string) {
    this.#files = new BlockFiles(location)
    this.path = this.#files.path
    this.#small = new BlockLevel(join(this.path, SMALL_BLOCKS_DIR))
  }

  async open (): Promise<void> {
    await this.#files.open()
    await this.#small.open()
  }

  async close (): Promise<void> {
    await this.#small.close()
    await this.#files.close()
  }

  async put (key: CID, bytes: InputPair['bytes'], options: AbortOptions = {}): Promise<CID> {
    const whole = bytes instanceof Uint8Array ? bytes : await collect(bytes)
    if (whole.byteLength > SMALL_BLOCK_MAX_BYTES) return await this.#files.put(key, whole, options)
    await this.#small.put(key, whole, options)
    return key
  }

  async *get (key: CID, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    const small = await this.#small.get(key, options)
    if (small !== undefined) {
      yield small
      return
    }
    yield* this.#files.get(key, options)
  }

  async has (key: CID, options: AbortOptions = {}): Promise<boolean> {
    return await this.#small.has(key, options) || await this.#files.has(key, options)
  }

  /** From both (a block already gone is no failure). */
  async delete (key: CID, options: AbortOptions = {}): Promise<void> {
    await this.#deleteReporting(key, options)
  }

  /**
   * Gives back the bytes of the small blocks deleted since the last call (LevelDB compaction).
   * Helia's gc deletes block by block through blockstore-core, never through `deleteMany`: the
   * daemon calls this after each gc.
   */
  async compactIfDeleted (): Promise<void> {
    if (!this.#smallDeleted) return
    this.#smallDeleted = false
    await this.#small.compact()
  }

  async *putMany (source: Iterable<InputPair> | AsyncIterable<InputPair>, options: AbortOptions = {}): AsyncGenerator<CID> {
    for await (const { cid, bytes } of source) yield await this.put(cid, bytes, options)
  }

  async *getMany (source: Iterable<CID> | AsyncIterable<CID>, options: AbortOptions = {}): AsyncGenerator<Pair> {
    for await (const cid of source) yield { cid, bytes: this.get(cid, options) }
  }

  /**
   * What gc deletes: when it removed small blocks, the LevelDB is compacted after the last, so
   * their bytes are given back now, as a deleted file's are.
   */
  async *deleteMany (source: Iterable<CID> | AsyncIterable<CID>, options: AbortOptions = {}): AsyncGenerator<CID> {
    try {
      for await (const cid of source) {
        await this.#deleteReporting(cid, options)
        yield cid
      }
    } finally {
      await this.compactIfDeleted()
    }
  }

  /** Every block here (gc): the small ones, then the files. */
  async *getAll (options: AbortOptions = {}): AsyncGenerator<Pair> {
    for await (const cid of this.#small.cids(options)) yield { cid, bytes: this.get(cid, options) }
    yield* this.#files.getAll(options)
  }

  /** Whether it was a small block. */
  async #deleteReporting (key: CID, options: AbortOptions): Promise<boolean> {
    const small = await this.#small.has(key, options)
    if (small) {
      await this.#small.delete(key, options)
      this.#smallDeleted = true
    }
    await this.#files.delete(key, options)
    return small
  }
}
