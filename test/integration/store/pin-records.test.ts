import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as cborg from 'cborg'
import { Key } from 'interface-datastore'
import { base36 } from 'multiformats/bases/base36'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { homePaths } from '../../../src/config/index.ts'
import { createEmbeddedNode } from '../../../src/node/embedded.ts'
import { createHeliaLight } from '../../../src/node/helia-light.ts'
import { openStores } from '../../../src/node/stores.ts'
import { linksOf } from '../../../src/store/fetch-dag.ts'
import type { EmbeddedNode } from '../../../src/node/embedded.ts'
import type { CID } from 'multiformats/cid'

const MiB = 1024 * 1024

/**
 * artdag writes its pins in Helia's own records (src/store/pin-records.ts):
 * what Helia reads of them (pins.get, ls, isPinned, rm, gc) must hold, and
 * concurrent pins must count every block exactly once per pin.
 */
describe('pins in Helia records', () => {
  let dir: string
  let node: EmbeddedNode

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'artdag-pins-'))
    node = await createEmbeddedNode({ home: join(dir, 'home') })
  })
  afterEach(async () => {
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  })

  async function all<T> (source: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
    const out: T[] = []
    for await (const item of source) out.push(item)
    return out
  }

  /** Every block of a local DAG (root first). */
  async function blocksOf (root: CID): Promise<CID[]> {
    const out = [root]
    for (let i = 0; i < out.length; i++) {
      const cid = out[i]!
      if (cid.code === 0x55) continue
      const bytes = Buffer.concat(await all(node.helia.blockstore.get(cid)))
      out.push(...linksOf(cid, bytes))
    }
    return out
  }

  async function pinCount (block: CID): Promise<number> {
    const key = new Key(`/pinned-block/${base36.encode(block.multihash.bytes)}`)
    if (!(await node.helia.datastore.has(key))) return 0
    return (cborg.decode(await node.helia.datastore.get(key)) as { pinCount: number }).pinCount
  }

  it('are what Helia reads (get, ls, isPinned of every block, its gc), and unpin', async () => {
    const cid = await node.content.addBytes(randomBytes(2 * MiB + 1), { pin: { kind: 'final', labels: { job: 'j1' } } })
    const blocks = await blocksOf(cid)
    expect(blocks).toHaveLength(4) // a root and three leaves
    await node.stop()

    // A daemon's Helia over the same home reads them as its own.
    const stores = await openStores(homePaths(join(dir, 'home')))
    const helia = await createHeliaLight({ blockstore: stores.blockstore, datastore: stores.datastore })
    await helia.start()
    try {
      const pin = await helia.pins.get(cid)
      expect(pin.depth).toBe(Infinity)
      expect(pin.metadata).toEqual({ kind: 'final', 'label:job': 'j1' })
      expect((await all(helia.pins.ls())).map(p => p.cid.toString())).toEqual([cid.toString()])
      for (const block of blocks) expect(await helia.pins.isPinned(block)).toBe(true)
      await helia.gc()
      for (const block of blocks) expect(await helia.blockstore.has(block)).toBe(true)
    } finally {
      await helia.stop()
      await stores.close()
    }

    node = await createEmbeddedNode({ home: join(dir, 'home') })
    expect(await node.content.gc()).toEqual({ expiredPins: 0, removedBlocks: 0 })
    await node.content.unpin(cid)
    for (const block of blocks) expect(await pinCount(block)).toBe(0)
    expect(await node.content.gc()).toEqual({ expiredPins: 0, removedBlocks: 4 })
  })

  it('count a block shared by DAGs pinned at the same time once per DAG', async () => {
    const shared = randomBytes(MiB) // the first leaf of both files
    const a = await node.content.addBytes(Buffer.concat([shared, randomBytes(10)]))
    const b = await node.content.addBytes(Buffer.concat([shared, randomBytes(10)]))
    const sharedLeaf = (await blocksOf(a))[1]!
    expect((await blocksOf(b)).map(String)).toContain(sharedLeaf.toString())
    await Promise.all([node.content.pin({ cid: a, kind: 'final' }), node.content.pin({ cid: b, kind: 'final' })])
    expect(await pinCount(sharedLeaf)).toBe(2)
    await node.content.unpin(a)
    expect(await node.content.gc()).toEqual({ expiredPins: 0, removedBlocks: 2 }) // a's root and its own leaf
    expect(await node.content.stat(b)).toEqual({ size: MiB + 10, local: true })
    await node.content.unpin(b)
    expect(await node.content.gc()).toEqual({ expiredPins: 0, removedBlocks: 3 })
  })

  it('make one pin of a CID pinned twice at once, labels merged, its blocks counted once', async () => {
    const cid = await node.content.addBytes(randomBytes(MiB + 5))
    await Promise.all([
      node.content.pin({ cid, kind: 'intermediate', expiresAt: 10, labels: { step: 's1' } }),
      node.content.pin({ cid, kind: 'final', labels: { job: 'j1' } })
    ])
    expect(await all(node.content.pins())).toEqual([{ cid, kind: 'final', labels: { step: 's1', job: 'j1' } }])
    for (const block of await blocksOf(cid)) expect(await pinCount(block)).toBe(1)
    await node.content.unpin(cid)
    expect(await node.content.gc()).toEqual({ expiredPins: 0, removedBlocks: 3 })
  })

  it('refuse to count over a block record Helia did not write, and pin nothing', async () => {
    const cid = await node.content.addBytes(randomBytes(100))
    await node.helia.datastore.put(new Key(`/pinned-block/${base36.encode(cid.multihash.bytes)}`), cborg.encode({ something: 'else' }))
    await expect(node.content.pin({ cid, kind: 'final' })).rejects.toThrow(expect.objectContaining({ name: 'PinRecordInvalidError' }))
    expect(await node.content.isPinned(cid)).toBe(false)
  })
})
