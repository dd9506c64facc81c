import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { NextToLast } from 'blockstore-fs/sharding'
import { NotFoundError } from 'interface-store'
import type { ShardingStrategy } from 'blockstore-fs/sharding'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/**
 * The blockstore: blockstore-fs's files, each block read whole into a buffer
 * of its own size. blockstore-fs reads a block through a file stream, which
 * takes a 64 KiB buffer however small the block: a flood of jobs had thousands
 * of small blocks (job documents, provenance records) read at once, 64 KiB
 * each, and the allocator kept those hundreds of MiB after they were freed
 * (docs/BENCHMARKS.md, "Memory after a flood"). A block is at most a few MiB
 * (chunks are 1 MiB), so one read of the whole file costs what the block does.
 */
export class BlockFiles extends FsBlockstore {
  readonly #sharding: ShardingStrategy

  constructor (location: string) {
    // blockstore-fs's own default layout: the same files as before.
    const sharding = new NextToLast()
    super(location, { shardingStrategy: sharding })
    this.#sharding = sharding
  }

  override async *get (key: CID, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    const { dir, file } = this.#sharding.encode(key)
    let bytes: Uint8Array
    try {
      options.signal?.throwIfAborted()
      bytes = await readFile(join(this.path, dir, file), options.signal !== undefined ? { signal: options.signal } : {})
    } catch (err: unknown) {
      // As blockstore-fs reports any failure to read a block.
      throw new NotFoundError(String(err))
    }
    yield bytes
  }
}
