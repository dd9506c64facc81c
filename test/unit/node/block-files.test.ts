import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { NextToLast } from 'blockstore-fs/sharding'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BlockFiles } from '../../../src/node/block-files.ts'

/** The home's blockstore (src/node/block-files.ts): blockstore-fs's files, read and written by either. */

async function block (text: string): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(text)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

async function bytesOf (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = []
  for await (const chunk of source) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

/** Every file under `dir`, relative. */
async function filesUnder (dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter(e => e.isFile()).map(e => join(e.parentPath, e.name).slice(dir.length + 1)).sort()
}

describe('BlockFiles', () => {
  let dir: string
  let blocks: BlockFiles
  let fs: FsBlockstore
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'artdag-blocks-')), 'blocks')
    blocks = new BlockFiles(dir)
    await blocks.open()
    fs = new FsBlockstore(dir, { shardingStrategy: new NextToLast() })
    await fs.open()
  })
  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true })
  })

  it('writes the files blockstore-fs reads, and reads the ones it writes', async () => {
    const a = await block('written here')
    const b = await block('written by blockstore-fs')
    await blocks.put(a.cid, a.bytes)
    await fs.put(b.cid, b.bytes)
    expect(await bytesOf(fs.get(a.cid))).toBe('written here')
    expect(await bytesOf(blocks.get(b.cid))).toBe('written by blockstore-fs')
    expect(await blocks.has(b.cid)).toBe(true)
    expect(await fs.has(a.cid)).toBe(true)
    // The same files, and no temporary file left behind.
    expect(await filesUnder(dir)).toEqual(
      [a.cid, b.cid].map(cid => {
        const { dir, file } = new NextToLast().encode(cid)
        return join(dir, file)
      }).sort()
    )
  })

  it('writes a block given as chunks, and the same block twice at once', async () => {
    const a = await block('one two three')
    await blocks.put(
      a.cid,
      (async function* () {
        yield new TextEncoder().encode('one ')
        yield new TextEncoder().encode('two three')
      })()
    )
    await Promise.all([blocks.put(a.cid, a.bytes), blocks.put(a.cid, a.bytes)])
    expect(await bytesOf(blocks.get(a.cid))).toBe('one two three')
    expect(await filesUnder(dir)).toHaveLength(1)
  })

  it('answers for a missing block as blockstore-fs does: no such block, a delete that does nothing', async () => {
    const a = await block('never written')
    expect(await blocks.has(a.cid)).toBe(false)
    await expect(bytesOf(blocks.get(a.cid))).rejects.toMatchObject({ name: 'NotFoundError' })
    await expect(blocks.delete(a.cid)).resolves.toBeUndefined()
  })

  it('deletes, lists every block (gc) and takes batches', async () => {
    const all = await Promise.all(['a', 'b', 'c'].map(block))
    for await (const cid of blocks.putMany(all)) expect(all.map(x => x.cid.toString())).toContain(cid.toString())
    await blocks.delete(all[0]!.cid)
    expect(await blocks.has(all[0]!.cid)).toBe(false)
    // Listed by their files' names: the multihash (blockstore-fs gives them back as CIDv0).
    const hex = (cid: CID): string => Buffer.from(cid.multihash.bytes).toString('hex')
    const listed: string[] = []
    for await (const { cid } of blocks.getAll()) listed.push(hex(cid))
    expect(listed.sort()).toEqual(all.slice(1).map(x => hex(x.cid)).sort())
    const got: string[] = []
    for await (const { bytes } of blocks.getMany(all.slice(1).map(x => x.cid))) got.push(await bytesOf(bytes))
    expect(got).toEqual(['b', 'c'])
    for await (const _ of blocks.deleteMany(all.slice(1).map(x => x.cid))) { /* drained */ }
    expect(await filesUnder(dir)).toEqual([])
  })
})
