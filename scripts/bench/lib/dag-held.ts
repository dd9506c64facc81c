import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { FsBlockstore } from 'blockstore-fs'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'

/**
 * How much of a UnixFS file each home holds: the bytes of its leaf blocks
 * present in the home's blockstore (read after its daemon stopped). For a
 * node that did not add the file, that is what it fetched of it.
 */
export async function fileBytesHeld (homes: string[], cid: string): Promise<number[]> {
  const stores = homes.map(home => new FsBlockstore(join(home, 'blocks')))
  await Promise.all(stores.map(async store => {
    await store.open()
  }))
  try {
    // Any home that holds the whole file (the one it was added on) gives the DAG's shape.
    const held = homes.map(() => 0)
    const visit = async (node: CID, size: number): Promise<void> => {
      if (node.code === raw.code) {
        for (const [i, store] of stores.entries()) if (await store.has(node)) held[i] = (held[i] ?? 0) + size
        return
      }
      let block: Uint8Array | undefined
      for (const store of stores) {
        if (await store.has(node)) {
          block = await collect(store.get(node))
          break
        }
      }
      if (block === undefined) throw new Error(`no home holds block ${node.toString()} of ${cid}`)
      const pb = dagPb.decode(block)
      const unixfs = UnixFS.unmarshal(pb.Data ?? new Uint8Array())
      for (const [i, link] of pb.Links.entries()) await visit(link.Hash, Number(unixfs.blockSizes[i] ?? 0n))
    }
    await visit(CID.parse(cid), 0)
    return held
  } finally {
    await Promise.all(stores.map(async store => {
      await store.close()
    }))
  }
}

async function collect (parts: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const all: Uint8Array[] = []
  for await (const part of parts) all.push(part)
  return Buffer.concat(all)
}
