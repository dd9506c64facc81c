import { randomBytes } from 'node:crypto'
import * as dagJson from '@ipld/dag-json'
import { importer, importFile } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { IMPORTER_OPTIONS } from '../../../src/store/importer-options.ts'
import { fileSizeOf, isFileLocal, readUnixfsFile } from '../../../src/store/unixfs-reader.ts'
import type { GetBlock } from '../../../src/store/unixfs-reader.ts'

/** Just enough of a blockstore for the importer, backed by a Map. */
function mapStore () {
  const blocks = new Map<string, Uint8Array>()
  return {
    blocks,
    put: async (cid: CID, bytes: Uint8Array) => {
      blocks.set(cid.toString(), bytes)
      return cid
    },
    has: async (cid: CID) => blocks.has(cid.toString()),
    get: async function* (cid: CID) {
      yield blocks.get(cid.toString())!
    },
    getBlock: (async (cid) => {
      const block = blocks.get(cid.toString())
      if (block == null) throw new Error(`missing ${cid}`)
      return block
    }) as GetBlock
  }
}

async function read (root: CID, getBlock: GetBlock, options: { offset?: number | undefined, length?: number | undefined, readAhead?: number } = {}): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of readUnixfsFile(root, getBlock, { readAhead: 4, ...options })) chunks.push(chunk)
  return Buffer.concat(chunks)
}

const KiB = 1024
const MiB = 1024 * KiB

describe('readUnixfsFile', () => {
  it('reads files of every shape the importer makes', async () => {
    const store = mapStore()
    const shapes = [
      { name: 'artdag default', options: IMPORTER_OPTIONS, sizes: [0, 1, MiB, MiB + 1, 5 * MiB + 12345] },
      { name: 'deep tree', options: { cidVersion: 1 as const, rawLeaves: true, chunker: fixedSize({ chunkSize: 1000 }), layout: balanced({ maxChildrenPerNode: 3 }) }, sizes: [25_000] },
      { name: 'dag-pb leaves (no raw leaves)', options: { cidVersion: 0 as const, rawLeaves: false, chunker: fixedSize({ chunkSize: 4096 }), layout: balanced({ maxChildrenPerNode: 5 }) }, sizes: [1, 4096, 70_000] }
    ]
    for (const shape of shapes) {
      for (const size of shape.sizes) {
        const bytes = randomBytes(size)
        const { cid } = await importFile({ content: bytes }, store, shape.options)
        expect(Buffer.compare(await read(cid, store.getBlock), bytes), `${shape.name} ${size}`).toBe(0)
        expect(await fileSizeOf(cid, await store.getBlock(cid, {}))).toBe(BigInt(size))
        const ranges = [[0, 0], [0, 1], [size - 1, 10], [Math.floor(size / 3), Math.floor(size / 2)], [size, 5], [size + 10, 5], [7, undefined]]
        for (const [offset, length] of ranges) {
          if (offset! < 0) continue
          const expected = bytes.subarray(Math.min(offset!, size), length === undefined ? size : Math.min(size, offset! + length))
          expect(Buffer.compare(await read(cid, store.getBlock, { offset, length }), expected), `${shape.name} ${size} @${String(offset)}+${String(length)}`).toBe(0)
        }
      }
    }
  })

  it('keeps at most `readAhead` leaf blocks ahead of a slow consumer', async () => {
    const store = mapStore()
    const bytes = randomBytes(40 * 64 * KiB)
    const { cid } = await importFile({ content: bytes }, store, { ...IMPORTER_OPTIONS, chunker: fixedSize({ chunkSize: 64 * KiB }) })
    let fetched = 0
    let consumed = 0
    let maxAhead = 0
    const counting: GetBlock = async (block, options) => {
      if (!block.equals(cid)) fetched++
      maxAhead = Math.max(maxAhead, fetched - consumed)
      return await store.getBlock(block, options)
    }
    const chunks: Uint8Array[] = []
    for await (const chunk of readUnixfsFile(cid, counting, { readAhead: 3 })) {
      consumed++
      chunks.push(chunk)
      await new Promise(resolve => setTimeout(resolve, 1)) // a consumer slower than the store
    }
    expect(Buffer.compare(Buffer.concat(chunks), bytes)).toBe(0)
    expect(Math.max(...chunks.map(c => c.byteLength))).toBe(64 * KiB)
    expect(fetched).toBe(40)
    expect(maxAhead).toBeLessThanOrEqual(3)
  })

  it('stops fetching when the consumer stops early', async () => {
    const store = mapStore()
    const { cid } = await importFile({ content: randomBytes(30 * 1000) }, store, { ...IMPORTER_OPTIONS, chunker: fixedSize({ chunkSize: 1000 }) })
    let fetched = 0
    const counting: GetBlock = async (block, options) => {
      fetched++
      return await store.getBlock(block, options)
    }
    for await (const _ of readUnixfsFile(cid, counting, { readAhead: 4 })) break
    expect(fetched).toBeLessThanOrEqual(1 + 4 + 1)
  })

  it('refuses what is not a file, naming the CID', async () => {
    const store = mapStore()
    let dir: CID | undefined
    for await (const entry of importer([{ path: 'd/a.txt', content: new Uint8Array([1]) }], store, { ...IMPORTER_OPTIONS, wrapWithDirectory: true })) dir = entry.cid
    await expect(read(dir!, store.getBlock)).rejects.toThrow(expect.objectContaining({ name: 'WrongContentTypeError', message: `${String(dir)} is a UnixFS directory, not a file` }))
    const doc = dagJson.encode({ hello: 'world' })
    const docCid = CID.createV1(dagJson.code, await sha256.digest(doc))
    await store.put(docCid, doc)
    await expect(read(docCid, store.getBlock)).rejects.toThrow(`${docCid} is not a file (codec 0x129, not UnixFS)`)
  })

  it('refuses negative offsets and lengths', async () => {
    const store = mapStore()
    const { cid } = await importFile({ content: randomBytes(10) }, store, IMPORTER_OPTIONS)
    await expect(read(cid, store.getBlock, { offset: -1 })).rejects.toThrow('offset must be a non-negative integer, got -1')
    await expect(read(cid, store.getBlock, { length: 1.5 })).rejects.toThrow('length must be a non-negative integer, got 1.5')
  })

  it('tells whether every block is local, reading only interior nodes', async () => {
    const store = mapStore()
    const { cid } = await importFile({ content: randomBytes(10_000) }, store, { ...IMPORTER_OPTIONS, chunker: fixedSize({ chunkSize: 1000 }), layout: balanced({ maxChildrenPerNode: 3 }) })
    const has = async (c: CID) => store.blocks.has(c.toString())
    expect(await isFileLocal(cid, has, store.getBlock, {})).toBe(true)
    const leaf = [...store.blocks.keys()].find(key => CID.parse(key).code === 0x55)!
    store.blocks.delete(leaf)
    expect(await isFileLocal(cid, has, store.getBlock, {})).toBe(false)
    store.blocks.delete(cid.toString())
    expect(await isFileLocal(cid, has, store.getBlock, {})).toBe(false)
  })
})
