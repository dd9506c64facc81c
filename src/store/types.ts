import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '../lifecycle/index.ts'

/**
 * The content store: everything that crosses machines is a CID. Adapters over
 * Helia implement it (src/store/); the engine, the API and the job runner use it.
 * Reads fetch missing content from a peer holding all of it over the direct
 * transfer protocol (src/store/transfer/), else block by block over bitswap;
 * large content always streams.
 */
export type { AbortOptions }

/**
 * Options of the reads that may go to the network. `from` names peers likely
 * to hold the content (e.g. the producer of a step's output, from its
 * `step_completed` message or cache record): they are asked first over the
 * direct transfer protocol, before the other connected peers and bitswap.
 */
export interface FetchOptions extends AbortOptions {
  from?: string[] | undefined
}

export interface CatOptions extends FetchOptions {
  offset?: number | undefined
  length?: number | undefined
}

export interface PinInfo {
  cid: CID
  /** `final`: a job output or a user pin, kept until unpinned. `intermediate`: collectable after `expiresAt`. */
  kind: 'user' | 'final' | 'intermediate'
  /** Milliseconds since the epoch; only for `intermediate`. */
  expiresAt?: number
  /** Free-form labels, e.g. the job id or the step's cache_id. */
  labels?: Record<string, string>
}

/**
 * Options of the add calls. `pin` pins the content as part of the add, under
 * the store's gc guard: a gc running meanwhile cannot collect the new blocks
 * in the gap between an add and a separate pin() call.
 */
export interface AddOptions extends AbortOptions {
  pin?: Omit<PinInfo, 'cid'> | undefined
}

export interface GcResult {
  /** Intermediate pins whose time ran out and were removed. */
  expiredPins: number
  /** Blocks deleted from the blockstore. */
  removedBlocks: number
}

export interface ContentStore {
  /** UnixFS CIDv1, raw leaves. */
  addBytes: (bytes: Uint8Array, options?: AddOptions) => Promise<CID>
  addStream: (source: AsyncIterable<Uint8Array>, options?: AddOptions) => Promise<CID>
  addFile: (path: string, options?: AddOptions) => Promise<CID>
  /** Streams the file's bytes; fetches missing blocks from peers. */
  cat: (cid: CID, options?: CatOptions) => AsyncIterable<Uint8Array>
  /** Writes the content to `path` (a temporary name, then renamed into place); `onProgress` hears the bytes written so far after each chunk. */
  getFile: (cid: CID, path: string, options?: FetchOptions & { onProgress?: ((written: number) => void) | undefined }) => Promise<{ size: number }>
  /** Size of the file; `local` when every block is in the local blockstore. */
  stat: (cid: CID, options?: FetchOptions) => Promise<{ size: number, local: boolean }>
  /** DAG-JSON documents (provenance, job documents). */
  putJson: (value: unknown, options?: AddOptions) => Promise<CID>
  getJson: <T = unknown>(cid: CID, options?: FetchOptions) => Promise<T>
  /** Fetches whatever of the DAG is not local first (peers in `from` first), then pins it. */
  pin: (info: PinInfo, options?: FetchOptions) => Promise<void>
  unpin: (cid: CID, options?: AbortOptions) => Promise<void>
  isPinned: (cid: CID, options?: AbortOptions) => Promise<boolean>
  pins: (options?: AbortOptions) => AsyncIterable<PinInfo>
  /** Unpins expired intermediates, then deletes every unpinned block. */
  gc: (options?: AbortOptions) => Promise<GcResult>
}

/** A cache record: the output of the computation `cacheId` is the content `cid`. */
export interface CacheEntry {
  cacheId: string
  cid: string
  /** Peer id (or `local`) of the node that produced it. */
  producer: string
  /** Milliseconds since the epoch. */
  createdAt: number
  stepType?: string
  /**
   * The members' signed statements that they ran it and got `cid`
   * (protocol/attestations.ts): what makes a record count for the others.
   */
  attestations?: Array<{ peer: string, epoch: number, sig?: string | undefined }> | undefined
}

/** The local `cache_id → CID` index, persisted in the node's datastore. */
export interface CacheIndex {
  get: (cacheId: string, options?: AbortOptions) => Promise<CacheEntry | undefined>
  put: (entry: CacheEntry, options?: AbortOptions) => Promise<void>
  delete: (cacheId: string, options?: AbortOptions) => Promise<void>
  entries: (options?: AbortOptions) => AsyncIterable<CacheEntry>
}
