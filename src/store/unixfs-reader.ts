import * as dagPb from '@ipld/dag-pb'
import * as raw from 'multiformats/codecs/raw'
import { AbortedError, InvalidArgumentError } from '../errors.ts'
import { ContentCorruptError } from './errors.ts'
import type { UnixfsFileNode } from './unixfs-file-node.ts'
import type { AbortOptions } from './types.ts'
import type { CID } from 'multiformats/cid'

/**
 * Reads a UnixFS file with bounded memory. `ipfs-unixfs-exporter` (behind
 * `@helia/unixfs` cat) loads every child of a DAG layer at once and pushes the
 * bytes into an unbounded queue, so a consumer slower than the blockstore ends
 * up holding the whole file. Here the reader is pulled: at most `readAhead`
 * leaf blocks are in flight or waiting, whatever the consumer's pace. Those
 * in-flight fetches are also what keeps bitswap's want-list full.
 */
export type GetBlock = (cid: CID, options: AbortOptions) => Promise<Uint8Array>

export interface ReadFileOptions extends AbortOptions {
  offset?: number | undefined
  length?: number | undefined
  /** Leaf blocks fetched ahead of the consumer. */
  readAhead: number
}

/** A piece of the file, in order: bytes already known, or a raw leaf to fetch. */
type Piece =
  | { bytes: Uint8Array }
  | { leaf: CID, blockStart: bigint, size: bigint }

interface Range {
  start: bigint
  end: bigint
}

export async function* readUnixfsFile (root: CID, getBlock: GetBlock, options: ReadFileOptions): AsyncGenerator<Uint8Array> {
  const controller = new AbortController()
  const signal = options.signal != null ? AbortSignal.any([options.signal, controller.signal]) : controller.signal
  const rootBlock = await getBlock(root, { signal })
  const size = await fileSizeOf(root, rootBlock)
  const range = toRange(size, options.offset, options.length)
  if (range.end <= range.start) return

  const pending: Array<Promise<Uint8Array>> = []
  let read = 0n
  try {
    for await (const piece of walk(root, rootBlock, 0n, range, getBlock, signal)) {
      const promise = 'bytes' in piece ? Promise.resolve(piece.bytes) : fetchLeaf(piece, range, getBlock, signal)
      promise.catch(() => {}) // awaited in order below; this only silences an early rejection
      pending.push(promise)
      if (pending.length >= options.readAhead) {
        const bytes = await pending.shift()!
        read += BigInt(bytes.byteLength)
        yield bytes
      }
    }
    while (pending.length > 0) {
      const bytes = await pending.shift()!
      read += BigInt(bytes.byteLength)
      yield bytes
    }
  } finally {
    controller.abort(new AbortedError('the read ended')) // the consumer stopped early or a fetch failed: cancel the rest
  }
  if (read !== range.end - range.start) {
    throw new ContentCorruptError(`file ${root} gave ${read} bytes where its UnixFS sizes promise ${range.end - range.start}`, { cid: root.toString() })
  }
}

/** The file's size from its root block; throws WrongContentTypeError for anything but a UnixFS file. */
export async function fileSizeOf (cid: CID, block: Uint8Array): Promise<bigint> {
  if (cid.code === raw.code) return BigInt(block.byteLength)
  return (await decodeUnixfsFile(cid, block)).unixfs.fileSize()
}

let fileNodes: Promise<typeof import('./unixfs-file-node.ts')> | undefined

/**
 * A dag-pb block as a UnixFS file node (unixfs-file-node.ts). Its decoder (ipfs-unixfs and
 * protons' runtime, ~20 modules) loads at the first dag-pb block read: a file of one block
 * is raw, and a render whose output is one block reads none.
 */
async function decodeUnixfsFile (cid: CID, block: Uint8Array): Promise<UnixfsFileNode> {
  fileNodes ??= import('./unixfs-file-node.ts')
  return (await fileNodes).decodeUnixfsFile(cid, block)
}

/**
 * Whether every block of the file is in the local blockstore, reading only
 * the (small) interior nodes and asking `has` for the leaves.
 */
export async function isFileLocal (root: CID, has: (cid: CID) => Promise<boolean>, getLocalBlock: GetBlock, options: AbortOptions): Promise<boolean> {
  if (!(await has(root))) return false
  if (root.code === raw.code) return true
  const { node } = await decodeUnixfsFile(root, await getLocalBlock(root, options))
  for (const link of node.Links) {
    options.signal?.throwIfAborted()
    if (link.Hash.code === dagPb.code) {
      if (!(await isFileLocal(link.Hash, has, getLocalBlock, options))) return false
    } else if (!(await has(link.Hash))) {
      return false
    }
  }
  return true
}

function toRange (size: bigint, offset = 0, length?: number): Range {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidArgumentError(`offset must be a non-negative integer, got ${offset}`)
  if (length != null && (!Number.isSafeInteger(length) || length < 0)) throw new InvalidArgumentError(`length must be a non-negative integer, got ${length}`)
  const start = BigInt(offset) < size ? BigInt(offset) : size
  const end = length == null ? size : (start + BigInt(length) < size ? start + BigInt(length) : size)
  return { start, end }
}

/** Depth-first over the DAG, yielding the pieces that overlap `range`; interior nodes are fetched as reached. */
async function* walk (cid: CID, block: Uint8Array, position: bigint, range: Range, getBlock: GetBlock, signal: AbortSignal): AsyncGenerator<Piece> {
  if (cid.code === raw.code) {
    yield { bytes: slice(block, position, range) }
    return
  }
  const { node, unixfs } = await decodeUnixfsFile(cid, block)
  if (unixfs.data != null && unixfs.data.byteLength > 0) {
    const bytes = slice(unixfs.data, position, range)
    if (bytes.byteLength > 0) yield { bytes }
    position += BigInt(unixfs.data.byteLength)
  }
  for (let i = 0; i < node.Links.length; i++) {
    const link = node.Links[i]!
    const size = unixfs.blockSizes[i]!
    const childStart = position
    position += size
    if (position <= range.start) continue
    if (childStart >= range.end) return
    if (link.Hash.code === raw.code) {
      yield { leaf: link.Hash, blockStart: childStart, size }
    } else {
      yield* walk(link.Hash, await getBlock(link.Hash, { signal }), childStart, range, getBlock, signal)
    }
  }
}

async function fetchLeaf (piece: { leaf: CID, blockStart: bigint, size: bigint }, range: Range, getBlock: GetBlock, signal: AbortSignal): Promise<Uint8Array> {
  const block = await getBlock(piece.leaf, { signal })
  if (BigInt(block.byteLength) !== piece.size) {
    throw new ContentCorruptError(`leaf ${piece.leaf} is ${block.byteLength} bytes; its parent says ${piece.size}`, { cid: piece.leaf.toString() })
  }
  return slice(block, piece.blockStart, range)
}

function slice (bytes: Uint8Array, blockStart: bigint, range: Range): Uint8Array {
  const from = range.start > blockStart ? Number(range.start - blockStart) : 0
  const to = range.end - blockStart < BigInt(bytes.byteLength) ? Number(range.end - blockStart) : bytes.byteLength
  return from === 0 && to === bytes.byteLength ? bytes : bytes.subarray(from, Math.max(from, to))
}
