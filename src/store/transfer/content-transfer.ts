import { peerIdFromString } from '@libp2p/peer-id'
import { AbortedError } from '../../errors.ts'
import { abortedAs } from '../fetch-errors.ts'
import { holdsAll } from './blocks.ts'
import { askPeer, receive } from './client.ts'
import { DagWalk } from './dag-walk.ts'
import { CorruptBlockError, isTransferPeerError, TransferProtocolError, TransferTimeoutError } from './errors.ts'
import { firstOffer } from './first-offer.ts'
import { TransferServer } from './server.ts'
import { DEFAULT_MAX_BLOCK_BYTES, TRANSFER_PROTOCOL } from './wire.ts'
import type { LocalBlocks } from './blocks.ts'
import type { ClientLimits, Offer } from './client.ts'
import type { DagWalkInit } from './dag-walk.ts'
import type { ServeStats, TransferServerInit } from './server.ts'
import type { Logger } from '../../log.ts'
import type { AbortOptions } from '../types.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/**
 * Large content between artdag nodes: before bitswap, ask the peers likely to
 * hold it (the caller's hints first, then the connected peers, a few at a
 * time) over `/artdag/fetch/1.0.0`, and take the whole DAG from the first
 * that holds all of it, in one ordered stream of verified blocks. A peer that
 * fails mid-way is dropped and the rest of the range is asked elsewhere;
 * whatever is still missing at the end goes to the caller's fallback
 * (bitswap), which finds the blocks already received in the local store.
 */
export interface ContentTransferInit {
  /** Peers asked per fetch at most (hints first). @default 8 */
  maxPeers?: number
  /** Peers asked at once. @default 3 */
  queryConcurrency?: number
  /** Dial, open and get an answer from one peer. @default 5_000 */
  queryTimeoutMs?: number
  /** From START to the first block. @default 10_000 */
  firstBlockTimeoutMs?: number
  /** Longest silence between blocks. @default 10_000 */
  idleTimeoutMs?: number
  /** Largest block accepted or sent. @default DEFAULT_MAX_BLOCK_BYTES (2 MiB) */
  maxBlockBytes?: number
  /** Received bytes buffered before the stream is paused. @default 8 MiB */
  readBufferBytes?: number
  /** Blockstore writes in flight per transfer. @default 4 */
  maxPendingPuts?: number
  /** The holder's side. */
  serve?: TransferServerInit
  /** @default TRANSFER_PROTOCOL */
  protocol?: string
}

export interface ContentTransferComponents {
  libp2p: Pick<Libp2p, 'peerId' | 'getPeers' | 'dialProtocol' | 'handle' | 'unhandle'>
  blocks: LocalBlocks
  logger: Logger
}

export interface FetchOptions extends AbortOptions {
  /** Peer ids likely to hold the content (its producer): asked first, dialled if need be. */
  from?: string[] | undefined
}

export interface TransferStats {
  /** Fetches the transfer protocol completed (their content is now local). */
  fetched: number
  /** Fetches, or the rest of one, left to bitswap because no peer could serve them. */
  fellBack: number
  /** Verified blocks received, and their bytes. */
  blocks: number
  bytes: number
  /** Peers that broke the protocol, sent a corrupt block, stalled, or failed a transfer under way. */
  peerFailures: number
  /** The most received bytes one transfer held waiting to be verified and consumed (its memory bound). */
  peakBufferedBytes: number
  serve: ServeStats
}

export const DEFAULT_MAX_PEERS = 8
export const DEFAULT_QUERY_CONCURRENCY = 3
export const DEFAULT_QUERY_TIMEOUT_MS = 5_000
export const DEFAULT_FIRST_BLOCK_TIMEOUT_MS = 10_000
export const DEFAULT_IDLE_TIMEOUT_MS = 10_000
export const DEFAULT_READ_BUFFER_BYTES = 8 * 1024 * 1024
export const DEFAULT_MAX_PENDING_PUTS = 4

export class ContentTransfer {
  readonly protocol: string
  readonly #c: ContentTransferComponents
  readonly #log: Logger
  readonly #server: TransferServer
  readonly #limits: ClientLimits
  readonly #maxPeers: number
  readonly #queryConcurrency: number
  readonly #stats = { fetched: 0, fellBack: 0, blocks: 0, bytes: 0, peerFailures: 0, peakBufferedBytes: 0 }
  #shutdown = new AbortController()

  constructor (components: ContentTransferComponents, init: ContentTransferInit = {}) {
    this.#c = components
    this.#log = components.logger.forComponent('artdag:transfer')
    this.protocol = init.protocol ?? TRANSFER_PROTOCOL
    this.#server = new TransferServer(components, { protocol: this.protocol, ...init.serve })
    this.#maxPeers = init.maxPeers ?? DEFAULT_MAX_PEERS
    this.#queryConcurrency = init.queryConcurrency ?? DEFAULT_QUERY_CONCURRENCY
    this.#limits = {
      maxBlockBytes: init.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES,
      queryTimeoutMs: init.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      firstBlockTimeoutMs: init.firstBlockTimeoutMs ?? DEFAULT_FIRST_BLOCK_TIMEOUT_MS,
      idleTimeoutMs: init.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      readBufferBytes: init.readBufferBytes ?? DEFAULT_READ_BUFFER_BYTES,
      maxPendingPuts: init.maxPendingPuts ?? DEFAULT_MAX_PENDING_PUTS
    }
  }

  get stats (): TransferStats {
    return { ...this.#stats, serve: this.#server.stats }
  }

  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    this.#shutdown = new AbortController()
    await this.#server.start(options)
  }

  /** Unregisters the protocol, aborts transfers in both directions and waits for the served ones. */
  async stop (): Promise<void> {
    this.#shutdown.abort(new AbortedError('the content transfer is stopping'))
    await this.#server.stop()
  }

  /**
   * The file's bytes (a range of them) in order. Local content is read from
   * the store by `fallback`; otherwise peers are tried first, and whatever
   * they could not deliver is read through `fallback` from where they stopped.
   */
  async *readFile (root: CID, options: FetchOptions & { offset?: number | undefined, length?: number | undefined }, fallback: (offset: number, length: number | undefined) => AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    let offset = options.offset ?? 0
    let length = options.length
    if (!(await this.#holdsAll(root, { mode: 'file', offset, length }, options))) {
      const signal = this.#signal(options.signal)
      const excluded = new Set<string>()
      while (true) {
        const init: DagWalkInit = { mode: 'file', offset, length }
        const offer = await this.#findOffer(root, init, options.from, excluded, signal)
        if (offer == null) break
        try {
          for await (const piece of this.#receive(offer, new DagWalk(root, init), signal)) {
            offset += piece.byteLength
            if (length !== undefined) length -= piece.byteLength
            yield piece
          }
          this.#stats.fetched++
          return
        } catch (err: unknown) {
          this.#peerFailed(root, offer.peer, err, options.signal, excluded)
        }
      }
      this.#stats.fellBack++
    }
    yield* fallback(offset, length)
  }

  /**
   * Makes every block of the DAG local from a peer that holds it all.
   * Returns whether it did; on false the caller fetches the rest (bitswap).
   */
  async fetchDag (root: CID, options: FetchOptions = {}): Promise<boolean> {
    return await this.#fetchWhole(root, { mode: 'dag' }, options)
  }

  /** Makes the root block alone local (a document, a file's root for its size); false if no peer could. */
  async fetchBlock (root: CID, options: FetchOptions = {}): Promise<boolean> {
    return await this.#fetchWhole(root, { mode: 'block' }, options)
  }

  async #fetchWhole (root: CID, init: DagWalkInit, options: FetchOptions): Promise<boolean> {
    if (await this.#holdsAll(root, init, options)) return true
    const signal = this.#signal(options.signal)
    const excluded = new Set<string>()
    while (true) {
      const offer = await this.#findOffer(root, init, options.from, excluded, signal)
      if (offer == null) break
      try {
        for await (const _ of this.#receive(offer, new DagWalk(root, init), signal)) {}
        this.#stats.fetched++
        return true
      } catch (err: unknown) {
        this.#peerFailed(root, offer.peer, err, options.signal, excluded)
      }
    }
    this.#stats.fellBack++
    return false
  }

  async #holdsAll (root: CID, init: DagWalkInit, options: AbortOptions): Promise<boolean> {
    try {
      return await holdsAll(root, init, this.#c.blocks, options)
    } catch (err: unknown) {
      throw abortedAs(err, options.signal, `checking whether ${root} is local`)
    }
  }

  #receive (offer: Offer, walk: DagWalk, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    return receive(offer, walk, this.#c.blocks, this.#limits, {
      signal,
      onBlock: (bytes) => {
        this.#stats.blocks++
        this.#stats.bytes += bytes
      },
      onEnd: (peak) => {
        this.#stats.peakBufferedBytes = Math.max(this.#stats.peakBufferedBytes, peak)
      }
    })
  }

  async #findOffer (root: CID, init: DagWalkInit, from: string[] | undefined, excluded: Set<string>, signal: AbortSignal): Promise<Offer | undefined> {
    const peers = this.#candidates(from).filter(peer => !excluded.has(peer.toString()))
    const byId = new Map(peers.map(peer => [peer.toString(), peer]))
    try {
      return await firstOffer([...byId.keys()], async (id, querySignal) => await askPeer(this.#c.libp2p, this.protocol, byId.get(id)!, root, init, this.#limits, { signal: querySignal }), {
        concurrency: this.#queryConcurrency,
        signal,
        onRefusal: (peer, err) => {
          excluded.add(peer)
          if (isMisbehaviour(err)) {
            this.#stats.peerFailures++
            this.#log.warn({ cid: root.toString(), peer, err }, 'peer answered a transfer request wrongly; trying elsewhere')
          } else {
            this.#log.debug({ cid: root.toString(), peer, err }, 'peer cannot serve')
          }
        },
        decline: (offer) => {
          offer.decline()
        }
      })
    } catch (err: unknown) {
      throw new AbortedError(`aborted while looking for a peer holding ${root}`, { cid: root.toString() }, { cause: err })
    }
  }

  /** The hinted peers, then the connected ones; never this node; at most maxPeers. */
  #candidates (from: string[] | undefined): PeerId[] {
    const self = this.#c.libp2p.peerId
    const peers = new Map<string, PeerId>()
    for (const id of from ?? []) {
      try {
        const peer = peerIdFromString(id)
        if (!peer.equals(self)) peers.set(peer.toString(), peer)
      } catch {
        this.#log.debug({ hint: id }, 'ignoring a provider hint that is not a peer id')
      }
    }
    for (const peer of this.#c.libp2p.getPeers()) {
      if (!peer.equals(self) && !peers.has(peer.toString())) peers.set(peer.toString(), peer)
    }
    return [...peers.values()].slice(0, this.#maxPeers)
  }

  /** Rethrows what is not the peer's fault (the caller's abort, a local store failure); logs and drops the peer otherwise. */
  #peerFailed (root: CID, peer: string, err: unknown, callerSignal: AbortSignal | undefined, excluded: Set<string>): void {
    if (callerSignal?.aborted === true) throw err instanceof AbortedError ? err : new AbortedError(`aborted while fetching ${root}`, { cid: root.toString() }, { cause: err })
    if (this.#shutdown.signal.aborted) throw new AbortedError(`the node stopped while fetching ${root}`, { cid: root.toString() }, { cause: err })
    if (!isTransferPeerError(err)) throw err
    this.#stats.peerFailures++
    excluded.add(peer)
    this.#log.warn({ cid: root.toString(), peer, err }, 'transfer from peer failed; trying elsewhere')
  }

  #signal (caller: AbortSignal | undefined): AbortSignal {
    return caller != null ? AbortSignal.any([caller, this.#shutdown.signal]) : this.#shutdown.signal
  }
}

/** Not "I do not have it" or "I cannot be reached", but an answer that breaks the protocol. */
function isMisbehaviour (err: unknown): err is Error {
  return err instanceof TransferProtocolError || err instanceof CorruptBlockError || err instanceof TransferTimeoutError
}
