import { randomBytes } from 'node:crypto'
import * as dagJson from '@ipld/dag-json'
import { importFile } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { IMPORTER_OPTIONS } from '../../../../src/store/importer-options.ts'
import { holdsAll } from '../../../../src/store/transfer/blocks.ts'
import { DagWalk } from '../../../../src/store/transfer/dag-walk.ts'
import { verifyBlock } from '../../../../src/store/transfer/verify.ts'

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
    getLocal: async (cid: CID) => {
      const block = blocks.get(cid.toString())
      if (block == null) throw new Error(`missing ${cid}`)
      return block
    }
  }
}

type Store = ReturnType<typeof mapStore>

/** Runs a walk over the store as a requester would: the blocks it asks for in order, and the bytes it hands out. */
function run (walk: DagWalk, store: Store): { order: string[], bytes: Buffer } {
  const order: string[] = []
  const pieces: Uint8Array[] = []
  while (!walk.done) {
    const cid = walk.next!
    order.push(cid.toString())
    const piece = walk.accept(store.blocks.get(cid.toString())!)
    if (piece != null) pieces.push(piece)
  }
  walk.finish()
  return { order, bytes: Buffer.concat(pieces) }
}

const KiB = 1024
const MiB = 1024 * KiB
const DEEP = { cidVersion: 1 as const, rawLeaves: true, chunker: fixedSize({ chunkSize: 1000 }), layout: balanced({ maxChildrenPerNode: 3 }) }

describe('DagWalk', () => {
  it('file mode hands out the file in order for every shape and range; a holder skipping leaves walks the same blocks', async () => {
    const store = mapStore()
    for (const [options, size] of [[IMPORTER_OPTIONS, 3 * MiB + 5], [IMPORTER_OPTIONS, 10], [DEEP, 25_000]] as const) {
      const bytes = randomBytes(size)
      const { cid } = await importFile({ content: bytes }, store, options)
      for (const [offset, length] of [[0, undefined], [0, 0], [1, 1], [size - 1, 10], [Math.floor(size / 3), Math.floor(size / 2)], [size + 4, 5]] as Array<[number, number | undefined]>) {
        const requester = run(new DagWalk(cid, { mode: 'file', offset, length }), store)
        const expected = bytes.subarray(Math.min(offset, size), length === undefined ? size : Math.min(size, offset + length))
        expect(Buffer.compare(requester.bytes, expected), `${size} @${offset}+${String(length)}`).toBe(0)

        const holder = new DagWalk(cid, { mode: 'file', offset, length })
        const order: string[] = []
        while (!holder.done) {
          order.push(holder.next!.toString())
          if (holder.nextIsLeaf) holder.skipLeaf()
          else holder.accept(store.blocks.get(holder.next!.toString())!)
        }
        expect(order).toEqual(requester.order)
      }
    }
  })

  it('a range visits only the leaves that overlap it', async () => {
    const store = mapStore()
    const { cid } = await importFile({ content: randomBytes(8 * MiB) }, store, IMPORTER_OPTIONS)
    expect(run(new DagWalk(cid, { mode: 'file', offset: 3 * MiB - 1, length: 2 }), store).order).toHaveLength(3) // root, leaves 2 and 3
    expect(run(new DagWalk(cid, { mode: 'file', offset: 3 * MiB, length: MiB }), store).order).toHaveLength(2)
    expect(run(new DagWalk(cid, { mode: 'file' }), store).order).toHaveLength(9)
  })

  it('a leaf whose size is not what its parent says is corrupt content', async () => {
    const store = mapStore()
    const { cid } = await importFile({ content: randomBytes(3 * MiB) }, store, IMPORTER_OPTIONS)
    const walk = new DagWalk(cid, { mode: 'file' })
    walk.accept(store.blocks.get(cid.toString())!)
    const leaf = walk.next!
    expect(() => walk.accept(new Uint8Array(100))).toThrow(expect.objectContaining({ name: 'ContentCorruptError', message: `leaf ${leaf} is 100 bytes; its parent says 1048576` }))
  })

  it('a walk that ends early, or a root that is not a file, says so', async () => {
    const store = mapStore()
    const { cid } = await importFile({ content: randomBytes(2 * MiB) }, store, IMPORTER_OPTIONS)
    const walk = new DagWalk(cid, { mode: 'file' })
    walk.accept(store.blocks.get(cid.toString())!)
    expect(() => {
      walk.finish()
    }).toThrow(`the transfer of ${cid} ended before block ${String(walk.next)}`)

    const doc = dagJson.encode({ a: 1 })
    const docCid = CID.createV1(dagJson.code, await sha256.digest(doc))
    expect(() => new DagWalk(docCid, { mode: 'file' }).accept(doc)).toThrow(expect.objectContaining({ name: 'WrongContentTypeError' }))
    expect(() => new DagWalk(cid, { mode: 'file', offset: -1 })).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })

  it('dag mode visits every block once, through dag-json links, and skips identity CIDs; block mode the root alone', async () => {
    const store = mapStore()
    const { cid: file } = await importFile({ content: randomBytes(2 * MiB + 1) }, store, IMPORTER_OPTIONS)
    const leaf = CID.createV1(raw.code, await sha256.digest(Uint8Array.of(1, 2, 3)))
    await store.put(leaf, Uint8Array.of(1, 2, 3))
    const inline = CID.createV1(raw.code, identity.digest(Uint8Array.of(7)))
    const doc = dagJson.encode({ output: file, again: file, parts: [leaf, inline], note: 'x' })
    const root = CID.createV1(dagJson.code, await sha256.digest(doc))
    await store.put(root, doc)
    const { order } = run(new DagWalk(root, { mode: 'dag' }), store)
    expect(order).toEqual([root.toString(), file.toString(), ...order.slice(2, 5), leaf.toString()])
    expect(new Set(order).size).toBe(order.length)
    expect(order).toHaveLength(6) // the document, the file's root and 3 leaves, the small leaf
    expect(run(new DagWalk(root, { mode: 'block' }), store).order).toEqual([root.toString()])
  })

  it('holdsAll reads interior nodes and only checks leaves', async () => {
    const store = mapStore()
    const { cid } = await importFile({ content: randomBytes(3 * MiB) }, store, IMPORTER_OPTIONS)
    expect(await holdsAll(cid, { mode: 'file' }, store, {})).toBe(true)
    const walk = new DagWalk(cid, { mode: 'file' })
    walk.accept(store.blocks.get(cid.toString())!)
    walk.skipLeaf()
    store.blocks.delete(walk.next!.toString()) // the second leaf
    expect(await holdsAll(cid, { mode: 'file' }, store, {})).toBe(false)
    expect(await holdsAll(cid, { mode: 'file', length: MiB }, store, {})).toBe(true) // the range it still holds
    expect(await holdsAll(cid, { mode: 'dag' }, store, {})).toBe(false)
  })
})

describe('verifyBlock', () => {
  it('accepts bytes that hash to the CID and names the peer of any that do not', async () => {
    const bytes = randomBytes(1000)
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    verifyBlock(cid, bytes, 'p1')
    const bad = Uint8Array.from(bytes)
    bad[10]! ^= 1
    expect(() => {
      verifyBlock(cid, bad, 'p1')
    }).toThrow(expect.objectContaining({ name: 'CorruptBlockError', message: `peer p1 sent corrupt block ${cid}: its 1000 bytes hash to something else (sha2-256)`, details: { cid: cid.toString(), peer: 'p1' } }))
    verifyBlock(CID.createV1(raw.code, identity.digest(Uint8Array.of(5))), Uint8Array.of(5), 'p1')
    const blake = CID.parse('bafk2bzacedr6ulsfdfmxbc2ofqiuvxahiyfg3sbtinbmgfa4mzaxpcqu7fn4m')
    expect(() => {
      verifyBlock(blake, bytes, 'p1')
    }).toThrow(expect.objectContaining({ name: 'UnsupportedDagError' }))
  })
})
