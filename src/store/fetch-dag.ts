import { AbortedError, errorName } from '../errors.ts'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import type { GetBlock } from './unixfs-reader.ts'
import type { AbortOptions } from './types.ts'

/**
 * Makes a whole DAG local before it is pinned, and lists its blocks: leaves
 * already here are only checked with `has`, missing blocks are fetched through
 * `getBlock` (which carries the per-block timeout), `concurrency` at a time.
 */
export interface FetchDagOptions extends AbortOptions {
  concurrency: number
}

export async function fetchDag (root: CID, getBlock: GetBlock, has: (cid: CID) => Promise<boolean>, options: FetchDagOptions): Promise<{ blocks: CID[] }> {
  const controller = new AbortController()
  const signal = options.signal != null ? AbortSignal.any([options.signal, controller.signal]) : controller.signal
  // Loaded by the first fetch (p-queue, eventemitter3: a store whose content is all here fetches nothing).
  const { default: PQueue } = await import('p-queue')
  const queue = new PQueue({ concurrency: options.concurrency })
  const blocks = new Map<string, CID>()
  let failure: unknown

  const visit = async (cid: CID): Promise<void> => {
    // Leaves have no links: when present, there is nothing to read.
    if (cid.code === raw.code && await has(cid)) return
    // getBlock reads a local block, and fetches a missing one.
    const block = await getBlock(cid, { signal })
    for (const link of linksOf(cid, block)) enqueue(link)
  }
  const enqueue = (cid: CID): void => {
    const id = cid.toString()
    if (blocks.has(id)) return // a block the DAG holds twice is visited once
    blocks.set(id, cid)
    queue.add(async () => {
      await visit(cid)
    }).catch(err => {
      failure ??= err
      controller.abort(new AbortedError('fetching the DAG stopped: a block failed'))
      queue.clear()
    })
  }

  enqueue(root)
  await queue.onIdle()
  if (failure !== undefined) throw failure
  signal.throwIfAborted()
  return { blocks: [...blocks.values()] }
}

/**
 * Every block of the DAG under `root` if all are local, else undefined: interior
 * nodes are read (for their links), raw leaves only checked with `has`.
 */
export async function localDag (root: CID, has: (cid: CID) => Promise<boolean>, getLocal: GetBlock, options: AbortOptions = {}): Promise<CID[] | undefined> {
  return await walkLocal(root, async cid => {
    if (cid.code === raw.code) return await has(cid) ? [] : undefined
    return await linksIfLocal(cid, getLocal, options)
  }, options)
}

/** The CIDs a block links to, for the codecs artdag stores. */
export function linksOf (cid: CID, block: Uint8Array): CID[] {
  switch (cid.code) {
    case raw.code:
      return []
    case dagPb.code:
      return dagPb.decode(block).Links.map(link => link.Hash)
    case dagJson.code:
      return findCids(dagJson.decode(block))
    case dagCbor.code:
      return findCids(dagCbor.decode(block))
    default:
      return []
  }
}

function findCids (value: unknown, out: CID[] = []): CID[] {
  const cid = CID.asCID(value)
  if (cid != null) {
    out.push(cid)
  } else if (Array.isArray(value)) {
    for (const item of value) findCids(item, out)
  } else if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    for (const item of Object.values(value)) findCids(item, out)
  }
  return out
}

/**
 * The blocks of the DAG under `root` as far as they are here: interior nodes
 * are read for their links (one that is missing hides its subtree), leaves
 * and links are listed without reading them.
 */
export async function dagHere (root: CID, getLocal: GetBlock, options: AbortOptions = {}): Promise<CID[]> {
  const blocks = await walkLocal(root, async cid => cid.code === raw.code ? [] : await linksIfLocal(cid, getLocal, options) ?? [], options)
  return blocks ?? []
}

/** The links of a local block, or undefined when it is not here. */
async function linksIfLocal (cid: CID, getLocal: GetBlock, options: AbortOptions): Promise<CID[] | undefined> {
  try {
    return linksOf(cid, await getLocal(cid, options))
  } catch (err: unknown) {
    if (errorName(err) === 'ContentNotFoundError') return undefined
    throw err
  }
}

/**
 * Walks the DAG under `root` a level at a time, each block once: `links` gives
 * a block's links, or undefined when the block is missing, which ends the walk
 * with undefined. Otherwise every block met, the root first.
 */
async function walkLocal (root: CID, links: (cid: CID) => Promise<CID[] | undefined>, options: AbortOptions): Promise<CID[] | undefined> {
  const blocks = new Map<string, CID>([[root.toString(), root]])
  let level = [root]
  while (level.length > 0) {
    options.signal?.throwIfAborted()
    const found = await Promise.all(level.map(links))
    if (found.includes(undefined)) return undefined
    level = []
    for (const link of found.flat() as CID[]) {
      const id = link.toString()
      if (blocks.has(id)) continue
      blocks.set(id, link)
      level.push(link)
    }
  }
  return [...blocks.values()]
}
