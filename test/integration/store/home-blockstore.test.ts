import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BlockFiles } from '../../../src/node/block-files.ts'
import { createEmbeddedNode } from '../../../src/node/embedded.ts'
import { collect } from '../../../src/store/bytes.ts'
import { directoryUsage } from '../../../src/store/disk-usage.ts'
import { SMALL_BLOCK_MAX_BYTES, SMALL_BLOCKS_DIR } from '../../../src/node/home-blockstore.ts'
import type { EmbeddedNode } from '../../../src/node/embedded.ts'
import { createTestCluster } from '../node/fixtures.ts'

/**
 * The home's blockstore (src/node/home-blockstore.ts): small blocks in a LevelDB, larger ones in
 * files, and the blocks a home wrote as files before still found, listed and collected.
 */

const MiB = 1024 * 1024

/** The block files under the home's blocks directory (blockstore-fs's `<shard>/<multihash>.data`). */
async function blockFiles (blocks: string): Promise<string[]> {
  return (await readdir(blocks, { recursive: true })).filter(name => name.endsWith('.data'))
}

async function rawBlock (bytes: Uint8Array): Promise<{ cid: CID, bytes: Uint8Array }> {
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

describe('the home blockstore: small blocks in LevelDB, large ones in files', () => {
  let dir: string
  let home: string
  let node: EmbeddedNode

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'artdag-home-blocks-'))
    home = join(dir, 'home')
    node = await createEmbeddedNode({ home })
  })
  afterEach(async () => {
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const reopen = async (): Promise<void> => {
    await node.stop()
    node = await createEmbeddedNode({ home })
  }

  it('keeps small blocks out of files and large ones in them; a file of both reads back whole, after a restart too', async () => {
    const document = await node.content.putJson({ job: 'tiny', steps: [1, 2, 3] })
    const small = randomBytes(SMALL_BLOCK_MAX_BYTES)
    const smallCid = await node.content.addBytes(small)
    expect(await blockFiles(node.paths.blocks)).toEqual([])

    // Two 1 MiB leaves in files; the 100-byte last leaf and the root in LevelDB.
    const mixed = randomBytes(2 * MiB + 100)
    const mixedCid = await node.content.addBytes(mixed)
    expect(await blockFiles(node.paths.blocks)).toHaveLength(2)

    await reopen()
    expect(await node.content.getJson(document)).toEqual({ job: 'tiny', steps: [1, 2, 3] })
    expect(await node.content.stat(smallCid)).toEqual({ size: small.byteLength, local: true })
    const out = join(dir, 'mixed.bin')
    expect(await node.content.getFile(mixedCid, out)).toEqual({ size: mixed.byteLength })
    expect(Buffer.compare(await readFile(out), mixed)).toBe(0)
    const tail = Buffer.from(await collect(node.content.cat(mixedCid, { offset: 2 * MiB - 10, length: 110 })))
    expect(Buffer.compare(tail, mixed.subarray(2 * MiB - 10))).toBe(0)
    // The small blocks' LevelDB sits inside the blocks directory: `repo stat` counts it as content.
    expect(await readdir(node.paths.blocks)).toContain(SMALL_BLOCKS_DIR)
    expect(await node.content.blockCount()).toBe(6) // the document, the small file, the mixed file's root and three leaves
  })

  it('serves, lists and collects the small blocks a home wrote as files before', async () => {
    await node.stop()
    // An older artdag's home: every block a file, small ones too.
    const old = new BlockFiles(join(home, 'blocks'))
    await old.open()
    const kept = await rawBlock(new TextEncoder().encode('pinned before'))
    const dropped = await rawBlock(new TextEncoder().encode('unpinned before'))
    await old.put(kept.cid, kept.bytes)
    await old.put(dropped.cid, dropped.bytes)
    node = await createEmbeddedNode({ home })

    expect(Buffer.from(await collect(node.content.cat(kept.cid))).toString()).toBe('pinned before')
    await node.content.pin({ cid: kept.cid, kind: 'user' })
    const fresh = await node.content.addBytes(new TextEncoder().encode('unpinned now'))
    expect(await node.content.blockCount()).toBe(3)

    expect(await node.content.gc()).toEqual({ expiredPins: 0, removedBlocks: 2 })
    expect(await node.content.stat(kept.cid)).toEqual({ size: 13, local: true })
    await expect(node.content.stat(dropped.cid)).rejects.toMatchObject({ name: 'ContentNotFoundError' })
    await expect(node.content.stat(fresh)).rejects.toMatchObject({ name: 'ContentNotFoundError' })
    expect(await blockFiles(node.paths.blocks)).toHaveLength(1)
    // A pinned block in a file is a pinned block: unpinned, the next gc removes its file.
    await node.content.unpin(kept.cid)
    expect(await node.content.gc()).toEqual({ expiredPins: 0, removedBlocks: 1 })
    expect(await blockFiles(node.paths.blocks)).toEqual([])
  })

  it('collects unpinned small blocks, keeps pinned ones across a restart, and gives their bytes back', async () => {
    const pinned = await node.content.putJson({ keep: true }, { pin: { kind: 'user' } })
    // 6 MiB: more than LevelDB's memtable (4 MiB), as in a home that has run for a while (what is still
    // in the memtable's first table when it is deleted waits for LevelDB's next compaction of it).
    const loose: CID[] = []
    for (let i = 0; i < 1500; i++) loose.push(await node.content.addBytes(randomBytes(4096 + i)))
    expect(await node.content.blockCount()).toBe(1501)
    const before = await directoryUsage(node.paths.blocks)
    expect(await node.content.gc()).toEqual({ expiredPins: 0, removedBlocks: 1500 })
    // Compacted after the gc: the deleted blocks are off the disk, not hidden by tombstones.
    expect((await directoryUsage(node.paths.blocks)).bytes).toBeLessThan(before.bytes / 10)

    await reopen()
    expect(await node.content.blockCount()).toBe(1)
    expect(await node.content.getJson(pinned)).toEqual({ keep: true })
    for (const cid of loose.slice(0, 5)) await expect(node.content.stat(cid)).rejects.toMatchObject({ name: 'ContentNotFoundError' })
    expect(await node.content.gc()).toEqual({ expiredPins: 0, removedBlocks: 0 })
  })

  // A daemon's gc is Helia's, which deletes block by block (never `deleteMany`): the bytes must come back all the same.
  it('gives the bytes of collected small blocks back on a daemon node too', async () => {
    const cluster = await createTestCluster('artdag-home-blocks-daemon-')
    try {
      const daemon = await cluster.start('a')
      for (let i = 0; i < 1500; i++) await daemon.content.addBytes(randomBytes(4096 + i))
      const before = await directoryUsage(daemon.paths.blocks)
      expect(await daemon.content.gc()).toEqual({ expiredPins: 0, removedBlocks: 1500 })
      expect((await directoryUsage(daemon.paths.blocks)).bytes).toBeLessThan(before.bytes / 10)
    } finally {
      await cluster.cleanup()
    }
  })
})
