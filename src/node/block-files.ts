import { randomUUID } from 'node:crypto'
import { access, constants, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { NextToLast } from 'blockstore-fs/sharding'
import { DeleteFailedError, NotFoundError, PutFailedError } from 'interface-store'
import type { FsBlockstore } from 'blockstore-fs'
import type { ShardingStrategy } from 'blockstore-fs/sharding'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { errorCode } from '../errors.ts'
import { signalOnly } from '../lifecycle/index.ts'

/**
 * The blockstore: blockstore-fs's files (its own default layout, the same files as ever), with
 * what every command does to a block done here, and the rest by blockstore-fs itself.
 *
 * - A block is read whole into a buffer of its own size. blockstore-fs reads a block through a
 *   file stream, which takes a 64 KiB buffer however small the block: a flood of jobs had
 *   thousands of small blocks (job documents, provenance records) read at once, 64 KiB each, and
 *   the allocator kept those hundreds of MiB after they were freed (docs/BENCHMARKS.md, "Memory
 *   after a flood"). A block is at most a few MiB (chunks are 1 MiB).
 * - `put`, `has` and `delete` are what blockstore-fs does, in a few lines: blockstore-fs's module
 *   loads a globbing library (it-glob, fast-glob: ~60 modules, ~10 ms of a cached render's start)
 *   for `getAll`. That, `putMany` and `deleteMany` are blockstore-fs's, loaded on first use (gc).
 */
export class BlockFiles implements Blockstore {
  readonly path: string
  readonly #sharding: ShardingStrategy = new NextToLast()
  #files: Promise<FsBlockstore> | undefined

  constructor (location: string) {
    this.path = resolve(location)
  }

  /** The directory, made when missing (as blockstore-fs's `open`). */
  async open (): Promise<void> {
    try {
      await access(this.path, constants.F_OK | constants.W_OK)
    } catch (err: unknown) {
      if (errorCode(err) !== 'ENOENT') throw err
      await mkdir(this.path, { recursive: true })
    }
  }

  async close (): Promise<void> {
    await Promise.resolve()
  }

  /**
   * Written to a file of its own beside the block's, then renamed over it: a reader sees the
   * whole block or none, and two writes of the same block (the same bytes) both succeed.
   */
  async put (key: CID, bytes: InputPair['bytes'], options: AbortOptions = {}): Promise<CID> {
    const file = this.#fileOf(key)
    const temporary = join(dirname(file), `.${randomUUID()}.tmp`)
    try {
      options.signal?.throwIfAborted()
      await mkdir(dirname(file), { recursive: true })
      await writeFile(temporary, bytes, signalOnly(options))
      await rename(temporary, file)
      return key
    } catch (err: unknown) {
      await unlink(temporary).catch(() => {})
      throw new PutFailedError(String(err))
    }
  }

  async *get (key: CID, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    let bytes: Uint8Array
    try {
      options.signal?.throwIfAborted()
      bytes = await readFile(this.#fileOf(key), signalOnly(options))
    } catch (err: unknown) {
      // As blockstore-fs reports any failure to read a block.
      throw new NotFoundError(String(err))
    }
    yield bytes
  }

  async has (key: CID, options: AbortOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    try {
      await access(this.#fileOf(key))
      return true
    } catch {
      return false
    }
  }

  /** A block already gone is no failure. */
  async delete (key: CID, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    try {
      await unlink(this.#fileOf(key))
    } catch (err: unknown) {
      if (errorCode(err) !== 'ENOENT') throw new DeleteFailedError(String(err))
    }
  }

  async *putMany (source: Iterable<InputPair> | AsyncIterable<InputPair>, options: AbortOptions = {}): AsyncGenerator<CID> {
    // blockstore-fs writes any of the Blockstore interface's byte sources; its own types say Pair.
    yield* (await this.#blockstoreFs()).putMany(source as Iterable<Pair> | AsyncIterable<Pair>, options)
  }

  /** Each block read whole, as `get` reads it (the bytes are read when the caller reads them). */
  async *getMany (source: Iterable<CID> | AsyncIterable<CID>, options: AbortOptions = {}): AsyncGenerator<Pair> {
    for await (const cid of source) yield { cid, bytes: this.get(cid, options) }
  }

  async *deleteMany (source: Iterable<CID> | AsyncIterable<CID>, options: AbortOptions = {}): AsyncGenerator<CID> {
    yield* (await this.#blockstoreFs()).deleteMany(source, options)
  }

  /** Every block here (gc): blockstore-fs lists the files. */
  async *getAll (options: AbortOptions = {}): AsyncGenerator<Pair> {
    yield* (await this.#blockstoreFs()).getAll(options)
  }

  #fileOf (key: CID): string {
    const { dir, file } = this.#sharding.encode(key)
    return join(this.path, dir, file)
  }

  /** blockstore-fs over the same directory and layout, loaded on first use. */
  async #blockstoreFs (): Promise<FsBlockstore> {
    this.#files ??= import('blockstore-fs').then(({ FsBlockstore }) => new FsBlockstore(this.path, { shardingStrategy: this.#sharding }))
    return await this.#files
  }
}
