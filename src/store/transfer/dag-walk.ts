import { identity } from 'multiformats/hashes/identity'
import * as raw from 'multiformats/codecs/raw'
import { InvalidArgumentError } from '../../errors.ts'
import { ContentCorruptError } from '../errors.ts'
import { linksOf } from '../fetch-dag.ts'
import { decodeUnixfsFile } from '../unixfs-file-node.ts'
import type { CID } from 'multiformats/cid'

/**
 * The order of a transfer, computed the same way on both ends: depth-first
 * from the root, children in link order. In `file` mode that is the file's
 * byte order, limited to the blocks that overlap a byte range; in `dag` mode
 * it is every block reachable from the root, each once.
 *
 * The holder walks it to know what to send; the requester walks it to know
 * what it may accept: the next block must be `next`, so a peer can only ever
 * hand over blocks the DAG itself asked for. `block` mode is the root block
 * alone (a document, a file's root for its size). Pure: no I/O, no hashing
 * (the caller verifies bytes against `next` before `accept`).
 */
export type WalkMode = 'file' | 'dag' | 'block'

export interface DagWalkInit {
  mode: WalkMode
  /** File mode: the first byte wanted. @default 0 */
  offset?: number | undefined
  /** File mode: how many bytes. @default to the end */
  length?: number | undefined
  /** @default DEFAULT_MAX_DEPTH */
  maxDepth?: number | undefined
}

/** A balanced tree of 1024 links per node is 4 levels deep for a petabyte. */
export const DEFAULT_MAX_DEPTH = 32

interface Entry {
  cid: CID
  depth: number
  /** File mode: where this node's bytes start in the file. */
  start: bigint
  /** File mode: its size as the parent's blockSizes promise (undefined for the root). */
  size?: bigint
}

interface Range {
  start: bigint
  end: bigint
}

export class DagWalk {
  readonly root: CID
  readonly #mode: WalkMode
  readonly #offset: number
  readonly #length: number | undefined
  readonly #maxDepth: number
  readonly #stack: Entry[]
  readonly #seen = new Set<string>()
  #range: Range | undefined
  /** Blocks accepted or skipped so far. */
  blocks = 0
  /** File mode: bytes of the range handed out so far. */
  fileBytes = 0

  constructor (root: CID, init: DagWalkInit) {
    this.root = root
    this.#mode = init.mode
    this.#offset = init.offset ?? 0
    this.#length = init.length
    this.#maxDepth = init.maxDepth ?? DEFAULT_MAX_DEPTH
    if (!Number.isSafeInteger(this.#offset) || this.#offset < 0) throw new InvalidArgumentError(`offset must be a non-negative integer, got ${this.#offset}`)
    if (this.#length != null && (!Number.isSafeInteger(this.#length) || this.#length < 0)) throw new InvalidArgumentError(`length must be a non-negative integer, got ${this.#length}`)
    this.#stack = root.multihash.code === identity.code && init.mode !== 'file' ? [] : [{ cid: root, depth: 0, start: 0n }]
    this.#seen.add(root.toString())
  }

  /** The block that must come next; undefined when the walk is complete. */
  get next (): CID | undefined {
    return this.#stack.at(-1)?.cid
  }

  get done (): boolean {
    return this.#stack.length === 0
  }

  /** Whether `next` is a raw leaf: nothing in it changes the walk, so it may be skipped unseen. */
  get nextIsLeaf (): boolean {
    return this.#stack.at(-1)?.cid.code === raw.code && (this.#mode !== 'file' || this.#range !== undefined)
  }

  /** File mode: the range's length once the root is known. */
  get rangeBytes (): number | undefined {
    return this.#range == null ? undefined : Number(this.#range.end - this.#range.start)
  }

  /**
   * Takes the (already verified) bytes of `next` and advances. File mode
   * returns the part of the file's bytes this block holds, in order.
   */
  accept (block: Uint8Array): Uint8Array | undefined {
    const entry = this.#stack.pop()
    if (entry == null) throw new InvalidArgumentError('the walk is already complete')
    this.blocks++
    if (this.#mode === 'block') return undefined
    if (this.#mode === 'dag') {
      this.#pushLinks(entry, linksOf(entry.cid, block))
      return undefined
    }
    const piece = entry.cid.code === raw.code ? this.#acceptLeaf(entry, block) : this.#acceptFileNode(entry, block)
    if (piece != null) this.fileBytes += piece.byteLength
    return piece
  }

  /** Advances past a raw leaf without its bytes (a holder that trusts its own store, a local check). */
  skipLeaf (): void {
    if (!this.nextIsLeaf) throw new InvalidArgumentError(`${String(this.next)} is not a raw leaf whose position is known`)
    const entry = this.#stack.pop()!
    this.blocks++
    if (this.#range != null) this.fileBytes += sliceBounds(entry.start, entry.size ?? 0n, this.#range).length
  }

  /** Throws unless the walk finished having handed out exactly the range. */
  finish (): void {
    if (!this.done) throw new ContentCorruptError(`the transfer of ${this.root} ended before block ${String(this.next)}`, { cid: this.root.toString() })
    if (this.#range != null && BigInt(this.fileBytes) !== this.#range.end - this.#range.start) {
      throw new ContentCorruptError(`file ${this.root} gave ${this.fileBytes} bytes where its UnixFS sizes promise ${this.#range.end - this.#range.start}`, { cid: this.root.toString() })
    }
  }

  #acceptLeaf (entry: Entry, block: Uint8Array): Uint8Array {
    if (entry.depth === 0) this.#range = toRange(BigInt(block.byteLength), this.#offset, this.#length)
    if (entry.size !== undefined && BigInt(block.byteLength) !== entry.size) {
      throw new ContentCorruptError(`leaf ${entry.cid} is ${block.byteLength} bytes; its parent says ${entry.size}`, { cid: entry.cid.toString() })
    }
    const { from, length } = sliceBounds(entry.start, BigInt(block.byteLength), this.#range!)
    return block.subarray(from, from + length)
  }

  #acceptFileNode (entry: Entry, block: Uint8Array): Uint8Array | undefined {
    const { node, unixfs } = decodeUnixfsFile(entry.cid, block)
    const size = unixfs.fileSize()
    if (entry.depth === 0) this.#range = toRange(size, this.#offset, this.#length)
    if (entry.size !== undefined && size !== entry.size) {
      throw new ContentCorruptError(`node ${entry.cid} holds ${size} bytes; its parent says ${entry.size}`, { cid: entry.cid.toString() })
    }
    const range = this.#range!
    let position = entry.start
    let piece: Uint8Array | undefined
    if (unixfs.data != null && unixfs.data.byteLength > 0) {
      const { from, length } = sliceBounds(position, BigInt(unixfs.data.byteLength), range)
      if (length > 0) piece = unixfs.data.subarray(from, from + length)
      position += BigInt(unixfs.data.byteLength)
    }
    const children: Entry[] = []
    for (let i = 0; i < node.Links.length; i++) {
      const childSize = unixfs.blockSizes[i]!
      const start = position
      position += childSize
      if (start < range.end && position > range.start) {
        children.push({ cid: node.Links[i]!.Hash, depth: entry.depth + 1, start, size: childSize })
      }
    }
    this.#push(entry, children)
    return piece
  }

  #pushLinks (entry: Entry, links: CID[]): void {
    const children: Entry[] = []
    for (const cid of links) {
      const key = cid.toString()
      // identity CIDs carry their bytes inline: nothing to transfer
      if (cid.multihash.code === identity.code || this.#seen.has(key)) continue
      this.#seen.add(key)
      children.push({ cid, depth: entry.depth + 1, start: 0n })
    }
    this.#push(entry, children)
  }

  #push (parent: Entry, children: Entry[]): void {
    if (children.length > 0 && parent.depth + 1 > this.#maxDepth) {
      throw new ContentCorruptError(`DAG ${this.root} is deeper than ${this.#maxDepth} levels at ${parent.cid}`, { cid: this.root.toString() })
    }
    for (let i = children.length - 1; i >= 0; i--) this.#stack.push(children[i]!)
  }
}

function toRange (size: bigint, offset: number, length: number | undefined): Range {
  const start = BigInt(offset) < size ? BigInt(offset) : size
  const end = length == null ? size : (start + BigInt(length) < size ? start + BigInt(length) : size)
  return { start, end }
}

/** The part of bytes [blockStart, blockStart + size) inside the range, relative to blockStart. */
function sliceBounds (blockStart: bigint, size: bigint, range: Range): { from: number, length: number } {
  const from = range.start > blockStart ? range.start - blockStart : 0n
  const to = range.end - blockStart < size ? range.end - blockStart : size
  return { from: Number(from), length: to > from ? Number(to - from) : 0 }
}
