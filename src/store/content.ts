import { signalOnly } from '../lifecycle/index.ts'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { open, rename, stat as statPath, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { AbortedError, errorCode, errorMessage, errorName } from '../errors.ts'
import { WrongContentTypeError, LocalFileError, NotPinnedError } from './errors.ts'
import { dagHere, fetchDag, localDag } from './fetch-dag.ts'
import { GcGuard } from './gc-guard.ts'
import { abortedAs, toStoreError } from './fetch-errors.ts'
import { checkPinInfo, fromMetadata, mergePins, toMetadata } from './pin-metadata.ts'
import { PinRecords } from './pin-records.ts'
import { fileSizeOf, isFileLocal, readUnixfsFile } from './unixfs-reader.ts'
import { collect } from './bytes.ts'
import type { ContentTransfer } from './transfer/content-transfer.ts'
import type { AbortOptions, AddOptions, CatOptions, ContentStore, FetchOptions, GcResult, PinInfo } from './types.ts'
import type { Datastore } from 'interface-datastore'

/**
 * The content store over Helia: UnixFS CIDv1 files with raw leaves, DAG-JSON
 * documents, pins with a kind and an expiry, and gc. Everything streams: files
 * are read from disk in chunks, imported chunk by chunk, and read back through
 * a pull-based reader with a bounded read-ahead.
 */
export interface HeliaContentStoreInit {
  /**
   * The longest wait for one block that is not local, before the read fails
   * with ContentTimeoutError.
   * @default 30_000
   */
  fetchTimeoutMs?: number
  /**
   * Leaf blocks (1 MiB each) read ahead of the consumer: the memory bound of a
   * read, and how many blocks bitswap is asked for at once.
   * @default 16
   */
  readAhead?: number
  /** No network: a missing block is ContentNotFoundError at once (the embedded engine). */
  offline?: boolean
  /** The clock for pin expiry. */
  now?: () => number
}

/**
 * What the store uses of Helia (a networked node's Helia, or the home's stores
 * alone offline: src/node/offline-helia.ts). Pins are kept in the datastore by
 * the store itself (pin-records.ts), in Helia's records.
 */
export interface ContentHelia {
  blockstore: {
    get(cid: CID, options?: { signal?: AbortSignal, offline?: boolean }): AsyncIterable<Uint8Array> | Iterable<Uint8Array>
    has(cid: CID, options?: { signal?: AbortSignal }): boolean | Promise<boolean>
    put(cid: CID, bytes: Uint8Array, options?: { signal?: AbortSignal }): CID | Promise<CID>
  }
  datastore: Datastore
  /** Deletes every block no pin holds, reporting each as a `helia:gc:deleted` progress event. */
  gc(options?: { signal?: AbortSignal, onProgress?: (event: { type: string }) => void }): Promise<void>
}

export interface HeliaContentStoreComponents {
  helia: ContentHelia
  /** Direct transfers from peers holding whole DAGs, tried before bitswap (not when offline). */
  transfer?: Pick<ContentTransfer, 'readFile' | 'fetchDag' | 'fetchBlock'>
}

export const DEFAULT_FETCH_TIMEOUT_MS = 30_000
export const DEFAULT_READ_AHEAD = 16

const READ_CHUNK_BYTES = 1_048_576

export class HeliaContentStore implements ContentStore {
  readonly #helia: HeliaContentStoreComponents['helia']
  readonly #transfer: HeliaContentStoreComponents['transfer']
  readonly #fetchTimeoutMs: number
  readonly #readAhead: number
  readonly #offline: boolean
  readonly #now: () => number
  readonly #guard = new GcGuard()
  /** The last pin asked for, per CID, while one is being made: the next waits for it (one fetch and walk, not one per caller). */
  readonly #pinning = new Map<string, Promise<void>>()
  readonly #records: PinRecords

  constructor (components: HeliaContentStoreComponents, init: HeliaContentStoreInit = {}) {
    this.#helia = components.helia
    this.#transfer = init.offline === true ? undefined : components.transfer
    this.#fetchTimeoutMs = init.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS
    this.#readAhead = init.readAhead ?? DEFAULT_READ_AHEAD
    this.#offline = init.offline ?? false
    this.#now = init.now ?? Date.now
    this.#records = new PinRecords(components.helia.datastore)
  }

  async addBytes (bytes: Uint8Array, options: AddOptions = {}): Promise<CID> {
    return await this.addStream([bytes], options)
  }

  async addStream (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: AddOptions = {}): Promise<CID> {
    if (options.pin != null) checkPinInfo(options.pin)
    try {
      return await this.#guard.shared(async () => {
        // What @helia/unixfs's addByteStream does, without loading its other commands (globbing, URL sources: ~200
        // modules); the importer itself is loaded by the first add (a cached render adds no file).
        const [{ importFile }, { IMPORTER_OPTIONS }] = await Promise.all([import('ipfs-unixfs-importer'), import('./importer-options.ts')])
        // The blocks the import writes are the whole DAG: a pin needs no walk to find them.
        const written: CID[] = []
        const blockstore = this.#helia.blockstore
        const recorder: Pick<typeof blockstore, 'put'> = {
          put: async (cid, bytes, o) => {
            written.push(cid)
            return await blockstore.put(cid, bytes, o)
          }
        }
        const { cid } = await importFile({ content: abortable(source, options.signal) }, recorder, { ...IMPORTER_OPTIONS, ...signalOnly(options) })
        if (options.pin != null) await this.#pinLocked({ ...options.pin, cid }, options, written)
        return cid
      })
    } catch (err: unknown) {
      throw abortedAs(err, options.signal, 'adding content')
    }
  }

  async addFile (path: string, options: AddOptions = {}): Promise<CID> {
    let handle
    try {
      if ((await statPath(path)).isFile()) handle = await open(path, 'r')
    } catch (err: unknown) {
      throw new LocalFileError(`cannot add ${path}: ${errorCode(err) ?? errorMessage(err)}`, { path }, { cause: err })
    }
    if (handle === undefined) throw new LocalFileError(`cannot add ${path}: ENOTFILE (not a regular file)`, { path })
    const stream = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES })
    try {
      return await this.addStream(stream, options)
    } finally {
      stream.destroy()
      // A failed close of a file we only read loses nothing.
      await handle.close().catch(() => {})
    }
  }

  cat (cid: CID, options: CatOptions = {}): AsyncIterable<Uint8Array> {
    const read = (offset?: number, length?: number): AsyncIterable<Uint8Array> => readUnixfsFile(cid, this.#getBlock, { signal: options.signal, offset, length, readAhead: this.#readAhead })
    if (this.#transfer == null) return read(options.offset, options.length)
    return this.#transfer.readFile(cid, options, read)
  }

  async getFile (cid: CID, path: string, options: FetchOptions & { onProgress?: ((written: number) => void) | undefined } = {}): Promise<{ size: number }> {
    const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`)
    let written = false
    try {
      // flush: fsync before close, so the rename never publishes a file whose bytes are not on disk
      const out = createWriteStream(tmp, { flags: 'wx', mode: 0o644, flush: true })
      written = true
      const onProgress = options.onProgress
      const source = onProgress === undefined ? this.cat(cid, options) : counted(this.cat(cid, options), onProgress)
      await pipeline(Readable.from(source, { objectMode: false }), out, { signal: options.signal })
      const { size } = await statPath(tmp)
      await rename(tmp, path)
      return { size }
    } catch (err: unknown) {
      // The partial file may already be gone; the copy's own error is what we throw.
      if (written) await unlink(tmp).catch(() => {})
      if (errorName(err) === 'AbortError' && options.signal?.aborted === true) throw toStoreError(cid, err, options.signal)
      const failedPath = typeof err === 'object' && err !== null && 'path' in err ? err.path : undefined
      if (failedPath === tmp || failedPath === path) {
        throw new LocalFileError(`cannot write ${path}: ${String(errorCode(err))}`, { path }, { cause: err })
      }
      throw err
    }
  }

  async stat (cid: CID, options: FetchOptions = {}): Promise<{ size: number, local: boolean }> {
    const local = await isFileLocal(cid, this.#has, this.#getLocalBlock, options)
    if (!local) await this.#fetchRoot(cid, options)
    const size = await fileSizeOf(cid, await this.#getBlock(cid, options))
    return { size: Number(size), local }
  }

  async putJson (value: unknown, options: AddOptions = {}): Promise<CID> {
    if (options.pin != null) checkPinInfo(options.pin)
    const bytes = dagJson.encode(value)
    const cid = CID.createV1(dagJson.code, await sha256.digest(bytes))
    try {
      return await this.#guard.shared(async () => {
        await this.#helia.blockstore.put(cid, bytes, signalOnly(options))
        if (options.pin != null) await this.#pinLocked({ ...options.pin, cid }, options, [cid])
        return cid
      })
    } catch (err: unknown) {
      throw abortedAs(err, options.signal, 'adding a document')
    }
  }

  async getJson<T = unknown> (cid: CID, options: FetchOptions = {}): Promise<T> {
    if (cid.code !== dagJson.code) {
      throw new WrongContentTypeError(`${cid} is not a dag-json document (codec 0x${cid.code.toString(16)})`, { cid: cid.toString() })
    }
    await this.#fetchRoot(cid, options)
    return dagJson.decode<T>(await this.#getBlock(cid, options))
  }

  async pin (info: PinInfo, options: FetchOptions = {}): Promise<void> {
    checkPinInfo(info)
    try {
      await this.#guard.shared(async () => {
        await this.#pinLocked(info, options)
      })
    } catch (err: unknown) {
      throw abortedAs(err, options.signal, `pinning ${info.cid}`)
    }
  }

  async unpin (cid: CID, options: AbortOptions = {}): Promise<void> {
    if (!(await this.#records.rm(cid, await this.#dagHere(cid, options), options))) {
      throw new NotPinnedError(`${cid} is not pinned`, { cid: cid.toString() })
    }
  }

  /** Whether `cid` itself is pinned (as listed by `pins()`), not merely a block inside a pinned DAG. */
  async isPinned (cid: CID, options: AbortOptions = {}): Promise<boolean> {
    return (await this.#getPin(cid, options)) !== undefined
  }

  async *pins (options: AbortOptions = {}): AsyncIterable<PinInfo> {
    for await (const pin of this.#records.ls(options)) {
      yield fromMetadata(pin.cid, pin.metadata)
    }
  }

  async gc (options: AbortOptions = {}): Promise<GcResult> {
    return await this.#guard.exclusive(async () => await this.#gcLocked(options)).catch(err => {
      throw abortedAs(err, options.signal, 'collecting garbage')
    })
  }

  async #gcLocked (options: AbortOptions): Promise<GcResult> {
    const now = this.#now()
    const expired: CID[] = []
    for await (const pin of this.pins(options)) {
      if (pin.kind === 'intermediate' && pin.expiresAt != null && pin.expiresAt <= now) expired.push(pin.cid)
    }
    for (const cid of expired) await this.#records.rm(cid, await this.#dagHere(cid, options), options)
    let removedBlocks = 0
    await this.#helia.gc({
      ...signalOnly(options),
      onProgress: (event) => {
        if (event.type === 'helia:gc:deleted') removedBlocks++
      }
    })
    return { expiredPins: expired.length, removedBlocks }
  }

  /**
   * Pins of one CID are made one after the other: the first fetches and lists the DAG, the next
   * find it pinned and merge their metadata. A flood of jobs with one output asked for its pin
   * thousands of times at once, each walking the DAG (docs/BENCHMARKS.md, "Memory after a flood").
   */
  async #pinLocked (info: PinInfo, options: FetchOptions, written?: CID[]): Promise<void> {
    const key = info.cid.toString()
    const before = this.#pinning.get(key)
    const mine = (async () => {
      // The pin made before is bounded by its own caller's signal; its failure is that caller's to report.
      if (before !== undefined) await before.catch(() => {})
      options.signal?.throwIfAborted()
      await this.#pinOnce(info, options, written)
    })()
    this.#pinning.set(key, mine)
    try {
      await mine
    } finally {
      if (this.#pinning.get(key) === mine) this.#pinning.delete(key)
    }
  }

  /**
   * Pins `info.cid`, or merges into its pin. `written`: every block of the DAG, just written by
   * this store (an add): nothing to fetch or walk. Otherwise what is missing is fetched first (the
   * whole DAG from one peer if one holds it, then block by block with per-block timeouts over
   * bitswap), listing the blocks on the way.
   */
  async #pinOnce (info: PinInfo, options: FetchOptions, written?: CID[]): Promise<void> {
    if (await this.#merge(info, options)) return
    const blocks = written ?? await this.#localDag(info.cid, options)
    options.signal?.throwIfAborted()
    // Pinned meanwhile by another call: merge into that pin.
    if (!(await this.#records.add(info.cid, blocks, toMetadata(info), options))) await this.#merge(info, options)
  }

  /** Merges `info` into the pin of its CID (the stronger kind wins, labels merge); false if it is not pinned. */
  async #merge (info: PinInfo, options: AbortOptions): Promise<boolean> {
    return await this.#records.exclusive(async () => {
      const current = await this.#getPin(info.cid, options)
      if (current == null) return false
      await this.#records.setMetadata(info.cid, toMetadata(mergePins(current, info)), options)
      return true
    })
  }

  /** Every block of the DAG under `root`, made local first if some are not. */
  async #localDag (root: CID, options: FetchOptions): Promise<CID[]> {
    const here = await localDag(root, this.#has, this.#getLocalBlock, options)
    if (here !== undefined) return here
    await this.#transfer?.fetchDag(root, options)
    return (await fetchDag(root, this.#getBlock, this.#has, { concurrency: this.#readAhead, signal: options.signal })).blocks
  }

  async #getPin (cid: CID, options: AbortOptions): Promise<PinInfo | undefined> {
    const pin = await this.#records.get(cid, options)
    return pin === undefined ? undefined : fromMetadata(cid, pin.metadata)
  }

  /** The blocks of the DAG under `root` that are here (what an unpin counts down): interior nodes read, leaves not. */
  async #dagHere (root: CID, options: AbortOptions): Promise<CID[]> {
    return await dagHere(root, this.#getLocalBlock, options)
  }

  /** A root block from a peer over the direct transfer, when one has it (bitswap would not re-send a block it sent us before). */
  async #fetchRoot (cid: CID, options: FetchOptions): Promise<void> {
    try {
      await this.#transfer?.fetchBlock(cid, options)
    } catch (err: unknown) {
      if (options.signal?.aborted === true) throw new AbortedError(`aborted while reading block ${cid}`, { cid: cid.toString() }, { cause: err })
      throw err
    }
  }

  /** One whole block, fetched from peers when missing, within the fetch timeout. */
  readonly #getBlock = async (cid: CID, options: AbortOptions): Promise<Uint8Array> => {
    const timeout = AbortSignal.timeout(this.#fetchTimeoutMs)
    const signal = options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
    try {
      return await collect(this.#helia.blockstore.get(cid, { signal, offline: this.#offline }))
    } catch (err: unknown) {
      throw toStoreError(cid, err, options.signal, timeout, this.#fetchTimeoutMs)
    }
  }

  readonly #getLocalBlock = async (cid: CID, options: AbortOptions): Promise<Uint8Array> => {
    try {
      return await collect(this.#helia.blockstore.get(cid, { ...signalOnly(options), offline: true }))
    } catch (err: unknown) {
      throw toStoreError(cid, err, options.signal)
    }
  }

  readonly #has = async (cid: CID): Promise<boolean> => await this.#helia.blockstore.has(cid)
}

async function* abortable (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted()
  for await (const chunk of source) {
    signal?.throwIfAborted()
    yield chunk
  }
}

/** Passes chunks through, telling `onProgress` the bytes passed so far. */
async function* counted (source: AsyncIterable<Uint8Array>, onProgress: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  let bytes = 0
  for await (const chunk of source) {
    yield chunk
    bytes += chunk.byteLength
    onProgress(bytes)
  }
}
