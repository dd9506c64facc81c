import type { AbortOptions } from '../../lifecycle/index.ts'
import { CID } from 'multiformats/cid'
import { AbortedError, asError, errorMessage } from '../../errors.ts'
import { holdsAll } from './blocks.ts'
import { isTransferPeerError, TransferProtocolError } from './errors.ts'
import { DagWalk } from './dag-walk.ts'
import { expectFrame } from './frame-parser.ts'
import { FrameStream } from './frame-stream.ts'
import { blockFrameHead, controlFrame, decodeControl, endCodec, errorCodec, FrameType, MAX_CONTROL_BYTES, requestCodec, TRANSFER_PROTOCOL } from './wire.ts'
import type { LocalBlocks } from './blocks.ts'
import type { DagWalkInit } from './dag-walk.ts'
import type { TransferRequest } from './wire.ts'
import type { Logger } from '../../log.ts'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

/**
 * The holder's side of `/artdag/fetch/1.0.0`: answers NOT_HERE at once when
 * it lacks any block of what is asked, otherwise HAVE; on START it streams
 * the blocks in walk order, reading `readAhead` leaves from disk ahead of the
 * stream, and waits whenever the stream's send buffer is full.
 */
export interface TransferServerInit {
  /** Transfers served at once; more get a `busy` error and go elsewhere. @default 8 */
  maxConcurrent?: number
  /** Leaf blocks read from the store ahead of the stream. @default 8 */
  readAhead?: number
  /** Longest wait for the REQUEST, and for START after HAVE. @default 10_000 */
  requestTimeoutMs?: number
  /** Longest the requester may leave the stream full without reading. @default 30_000 */
  idleTimeoutMs?: number
  /** @default TRANSFER_PROTOCOL */
  protocol?: string
}

export interface TransferServerComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle'>
  blocks: LocalBlocks
  logger: Logger
}

export const DEFAULT_MAX_CONCURRENT_SERVES = 8
export const DEFAULT_SERVE_READ_AHEAD = 8
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
export const DEFAULT_SERVE_IDLE_TIMEOUT_MS = 30_000

export interface ServeStats {
  served: number
  notHere: number
  busy: number
  failed: number
  blocks: number
  bytes: number
}

export class TransferServer {
  readonly protocol: string
  readonly #c: TransferServerComponents
  readonly #log: Logger
  readonly #maxConcurrent: number
  readonly #readAhead: number
  readonly #requestTimeoutMs: number
  readonly #idleTimeoutMs: number
  readonly #stats: ServeStats = { served: 0, notHere: 0, busy: 0, failed: 0, blocks: 0, bytes: 0 }
  #shutdown = new AbortController()
  readonly #active = new Set<Promise<void>>()

  constructor (components: TransferServerComponents, init: TransferServerInit = {}) {
    this.#c = components
    this.#log = components.logger.forComponent('artdag:transfer:serve')
    this.protocol = init.protocol ?? TRANSFER_PROTOCOL
    this.#maxConcurrent = init.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_SERVES
    this.#readAhead = init.readAhead ?? DEFAULT_SERVE_READ_AHEAD
    this.#requestTimeoutMs = init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    this.#idleTimeoutMs = init.idleTimeoutMs ?? DEFAULT_SERVE_IDLE_TIMEOUT_MS
  }

  get stats (): ServeStats {
    return { ...this.#stats }
  }

  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    this.#shutdown = new AbortController()
    // One more inbound stream per connection than we serve, so a busy node can still say so.
    await this.#c.libp2p.handle(this.protocol, this.#handle, { maxInboundStreams: this.#maxConcurrent + 1 })
  }

  /** Stops taking requests, aborts the transfers in progress and waits for their handlers. */
  async stop (): Promise<void> {
    // Libp2p may have stopped first and dropped its handlers already.
    await this.#c.libp2p.unhandle(this.protocol).catch(() => {})
    this.#shutdown.abort(new AbortedError('the transfer server is stopping'))
    await Promise.allSettled(this.#active)
  }

  readonly #handle = (stream: Stream, connection: Connection): void => {
    const peer = connection.remotePeer.toString()
    if (this.#active.size >= this.#maxConcurrent) {
      this.#stats.busy++
      try {
        stream.send(controlFrame(FrameType.error, errorCodec.encode({ reason: 'busy', message: `serving ${this.#maxConcurrent} transfers already` })))
        void stream.close().catch(() => {
          stream.abort(new AbortedError('close failed'))
        })
      } catch (err: unknown) {
        stream.abort(err as Error)
      }
      return
    }
    const serving = this.#serve(stream, peer).catch(async (err: unknown) => {
      this.#stats.failed++
      this.#log.debug({ peer, err }, 'transfer ended early')
      await this.#fail(stream, asError(err))
    }).finally(() => {
      this.#active.delete(serving)
    })
    this.#active.add(serving)
  }

  async #serve (stream: Stream, peer: string): Promise<void> {
    const signal = this.#shutdown.signal
    const onShutdown = (): void => {
      stream.abort(new AbortedError('the node is stopping'))
    }
    signal.addEventListener('abort', onShutdown, { once: true })
    const frames = new FrameStream(stream, { peer, maxFrameBytes: MAX_CONTROL_BYTES + 1, highWaterBytes: 64 * 1024 })
    try {
      const request = decodeControl(
        requestCodec,
        expectFrame(await frames.read({ signal, timeoutMs: this.#requestTimeoutMs, waitingFor: 'waiting for a request' }), [FrameType.request], peer, 'instead of a request').payload,
        peer,
        'request'
      )
      const root = parseCid(request.cid, peer)
      const init: DagWalkInit = { mode: request.mode, offset: request.offset, length: request.length }
      let holds: boolean
      // The interior nodes the check reads are the first blocks to send: read once.
      const interior = new Map<string, Uint8Array>()
      try {
        holds = await holdsAll(root, init, this.#c.blocks, { signal }, interior)
      } catch (err: unknown) {
        // not a file, a broken DAG, a bad range: the requester falls back and meets the real error there
        await this.#reply(frames, controlFrame(FrameType.error, errorCodec.encode({ reason: 'invalid', message: String(errorMessage(err)).slice(0, 1000) })))
        return
      }
      if (!holds) {
        this.#stats.notHere++
        await this.#reply(frames, controlFrame(FrameType.notHere))
        return
      }
      await frames.write([controlFrame(FrameType.have)], { signal, timeoutMs: this.#idleTimeoutMs })
      const go = await frames.read({ signal, timeoutMs: this.#requestTimeoutMs, waitingFor: 'waiting for start' })
      if (go == null) return // declined: another peer was faster
      expectFrame(go, [FrameType.start], peer, 'instead of start')
      await this.#sendBlocks(frames, root, init, request, interior, signal)
      this.#stats.served++
      await stream.close({ signal })
    } finally {
      signal.removeEventListener('abort', onShutdown)
      frames.release()
    }
  }

  async #sendBlocks (frames: FrameStream, root: CID, init: DagWalkInit, request: TransferRequest, interior: Map<string, Uint8Array>, signal: AbortSignal): Promise<void> {
    const walk = new DagWalk(root, init)
    const pending: Array<{ cid: CID, bytes: Promise<Uint8Array> }> = []
    let blocks = 0
    let bytes = 0
    const sendOldest = async (): Promise<void> => {
      const next = pending.shift()!
      const block = await next.bytes
      await frames.write([blockFrameHead(next.cid, block.byteLength), block], { signal, timeoutMs: this.#idleTimeoutMs })
      blocks++
      bytes += block.byteLength
    }
    try {
      while (!walk.done) {
        const cid = walk.next!
        if (walk.nextIsLeaf) {
          const read = this.#c.blocks.getLocal(cid, { signal })
          read.catch(() => {}) // awaited in order by sendOldest
          pending.push({ cid, bytes: read })
          walk.skipLeaf()
        } else {
          const id = cid.toString()
          const block = interior.get(id) ?? await this.#c.blocks.getLocal(cid, { signal })
          interior.delete(id)
          walk.accept(block)
          pending.push({ cid, bytes: Promise.resolve(block) })
        }
        while (pending.length >= this.#readAhead) await sendOldest()
      }
      while (pending.length > 0) await sendOldest()
    } finally {
      this.#stats.blocks += blocks
      this.#stats.bytes += bytes
    }
    await frames.write([controlFrame(FrameType.end, endCodec.encode({ blocks, bytes }))], { signal, timeoutMs: this.#idleTimeoutMs })
    this.#log.debug({ cid: request.cid, mode: request.mode, blocks, bytes }, 'transfer served')
  }

  /** The requester's fault (it stalled, broke the protocol, went away): reset. Ours (the store failed): say so, then close. */
  async #fail (stream: Stream, err: Error): Promise<void> {
    if (isTransferPeerError(err) || this.#shutdown.signal.aborted || stream.writeStatus !== 'writable') {
      stream.abort(err)
      return
    }
    try {
      stream.send(controlFrame(FrameType.error, errorCodec.encode({ reason: 'failed', message: errorMessage(err).slice(0, 1000) })))
      await stream.close({ signal: AbortSignal.timeout(this.#requestTimeoutMs) })
    } catch {
      stream.abort(err)
    }
  }

  async #reply (frames: FrameStream, frame: Uint8Array): Promise<void> {
    await frames.write([frame], { signal: this.#shutdown.signal, timeoutMs: this.#requestTimeoutMs })
    await frames.stream.close({ signal: this.#shutdown.signal })
  }
}

function parseCid (value: string, peer: string): CID {
  try {
    return CID.parse(value)
  } catch (err: unknown) {
    throw new TransferProtocolError(`peer ${peer} asked for ${JSON.stringify(value)}, which is not a CID: ${errorMessage(err)}`, { peer }, { cause: err })
  }
}
