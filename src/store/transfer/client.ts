import { AbortedError } from '../../errors.ts'
import { CorruptBlockError, PeerBusyError, PeerFailedError, PeerLacksContentError, PeerUnreachableError, TransferTimeoutError, isTransferPeerError } from './errors.ts'
import { expectFrame } from './frame-parser.ts'
import { BLOCK_STREAM_PAUSED_BUFFER_BYTES, FrameStream } from './frame-stream.ts'
import { verifyBlock } from './verify.ts'
import { controlFrame, decodeBlockPayload, decodeControl, endCodec, errorCodec, FrameType, maxFrameBytes, requestCodec } from './wire.ts'
import type { LocalBlocks } from './blocks.ts'
import type { DagWalk, DagWalkInit } from './dag-walk.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { present } from '../../defined.ts'

/**
 * The requester's side of `/artdag/fetch/1.0.0`, one peer at a time:
 * `askPeer` opens a stream and learns whether the peer holds it all (an
 * Offer), `receive` takes the blocks from an accepted offer. Nothing the peer
 * sends is trusted: each frame must be the walk's next block, its bytes must
 * hash to that CID, and only then is it stored and its bytes handed on.
 */
export interface ClientLimits {
  maxBlockBytes: number
  /** Dial + stream + the HAVE/NOT_HERE answer. */
  queryTimeoutMs: number
  /** From START to the first block. */
  firstBlockTimeoutMs: number
  /** Longest silence between two frames once blocks flow. */
  idleTimeoutMs: number
  /** Received bytes waiting to be verified and consumed before the stream is paused. */
  readBufferBytes: number
  /** Blocks being written to the blockstore at once. */
  maxPendingPuts: number
}

export interface Offer {
  peer: string
  frames: FrameStream
  /** Declines the offer (another peer won): closes the stream without taking a block. */
  decline: () => void
}

export async function askPeer (libp2p: Pick<Libp2p, 'dialProtocol'>, protocol: string, peerId: PeerId, root: CID, init: DagWalkInit, limits: ClientLimits, options: { signal: AbortSignal }): Promise<Offer> {
  const peer = peerId.toString()
  const timeout = AbortSignal.timeout(limits.queryTimeoutMs)
  const signal = AbortSignal.any([options.signal, timeout])
  let frames: FrameStream | undefined
  try {
    const stream = await libp2p.dialProtocol(peerId, protocol, { signal })
    frames = new FrameStream(stream, { peer, maxFrameBytes: maxFrameBytes(limits.maxBlockBytes), highWaterBytes: limits.readBufferBytes, pausedBufferBytes: BLOCK_STREAM_PAUSED_BUFFER_BYTES })
    const request = requestCodec.encode({ v: 1, cid: root.toString(), mode: init.mode, ...(init.offset != null && init.offset > 0 ? { offset: init.offset } : {}), ...present({ length: init.length }) })
    await frames.write([controlFrame(FrameType.request, request)], { signal, timeoutMs: limits.queryTimeoutMs })
    const answer = expectFrame(await frames.read({ signal, timeoutMs: limits.queryTimeoutMs, waitingFor: `asking for ${root}` }), [FrameType.have, FrameType.notHere, FrameType.error], peer, `in answer to a request for ${root}`)
    if (answer.type === FrameType.notHere) throw new PeerLacksContentError(`peer ${peer} does not hold all of ${root}`, { peer, cid: root.toString() })
    if (answer.type === FrameType.error) throw peerError(peer, root, decodeControl(errorCodec, answer.payload, peer, 'error'))
    const accepted = frames
    return {
      peer,
      frames: accepted,
      decline: () => {
        accepted.release()
        void accepted.stream.close().catch(() => {
          accepted.stream.abort(new AbortedError('declined: another holder answered first'))
        })
      }
    }
  } catch (err: unknown) {
    frames?.release()
    frames?.stream.abort(err as Error)
    if (options.signal.aborted) throw new AbortedError(`aborted while asking peer ${peer} for ${root}`, { peer }, { cause: err })
    if (isTransferPeerError(err)) throw err
    if (timeout.aborted) throw new TransferTimeoutError(`peer ${peer} did not answer a request for ${root} within ${limits.queryTimeoutMs} ms`, { peer, timeoutMs: limits.queryTimeoutMs }, { cause: err })
    throw new PeerUnreachableError(`cannot ask peer ${peer} for ${root}: ${(err as Error).message}`, { peer }, { cause: err })
  }
}

/**
 * Takes the blocks of an accepted offer in walk order: verifies each, stores
 * it (a few writes in flight) and yields the file bytes it holds (file mode).
 * Returns once END arrived, every block is stored and the walk is complete.
 */
export interface ReceiveOptions {
  signal: AbortSignal
  /** A verified block arrived (its size). */
  onBlock?: (bytes: number) => void
  /** The transfer ended, however: the most bytes it held waiting at once. */
  onEnd?: (peakBufferedBytes: number) => void
}

export async function* receive (offer: Offer, walk: DagWalk, blocks: Pick<LocalBlocks, 'put'>, limits: ClientLimits, options: ReceiveOptions): AsyncGenerator<Uint8Array> {
  const { peer, frames } = offer
  const puts: Array<Promise<void>> = []
  let completed = false
  try {
    await frames.write([controlFrame(FrameType.start)], { signal: options.signal, timeoutMs: limits.idleTimeoutMs })
    let first = true
    while (!walk.done) {
      const frame = expectFrame(
        await frames.read({
          signal: options.signal,
          timeoutMs: first ? limits.firstBlockTimeoutMs : limits.idleTimeoutMs,
          waitingFor: `receiving ${walk.root}`
        }),
        [FrameType.block, FrameType.error],
        peer,
        `while ${String(walk.next)} was due`
      )
      first = false
      if (frame.type === FrameType.error) throw peerError(peer, walk.root, decodeControl(errorCodec, frame.payload, peer, 'error'))
      const { cid, bytes } = decodeBlockPayload(frame.payload, peer)
      const expected = walk.next!
      if (!cid.equals(expected)) {
        throw new CorruptBlockError(`peer ${peer} sent block ${cid} where ${walk.root} needs ${String(expected)} next`, { peer, cid: cid.toString(), expected: String(expected) })
      }
      verifyBlock(expected, bytes, peer)
      const piece = walk.accept(bytes)
      const put = blocks.put(expected, bytes, { signal: options.signal })
      put.catch(() => {}) // awaited below, in order
      puts.push(put)
      if (puts.length >= limits.maxPendingPuts) await puts.shift()
      options.onBlock?.(bytes.byteLength)
      if (piece != null && piece.byteLength > 0) yield piece
    }
    const end = expectFrame(await frames.read({ signal: options.signal, timeoutMs: limits.idleTimeoutMs, waitingFor: `ending ${walk.root}` }), [FrameType.end, FrameType.error], peer, 'after the last block')
    if (end.type === FrameType.error) throw peerError(peer, walk.root, decodeControl(errorCodec, end.payload, peer, 'error'))
    decodeControl(endCodec, end.payload, peer, 'end')
    while (puts.length > 0) await puts.shift()
    walk.finish()
    completed = true
  } catch (err: unknown) {
    if (options.signal.aborted) throw new AbortedError(`aborted while receiving ${walk.root} from peer ${peer}`, { peer, cid: walk.root.toString() }, { cause: err })
    throw err
  } finally {
    frames.release()
    options.onEnd?.(frames.peakBufferedBytes)
    if (completed) {
      await frames.stream.close({ signal: AbortSignal.timeout(limits.idleTimeoutMs) }).catch(() => {
        frames.stream.abort(new AbortedError('close failed'))
      })
    } else {
      frames.stream.abort(new AbortedError('transfer stopped by the requester'))
      await Promise.allSettled(puts) // no write left running behind the caller's back
    }
  }
}

function peerError (peer: string, root: CID, message: { reason: string, message: string }): Error {
  const details = { peer, cid: root.toString(), reason: message.reason }
  if (message.reason === 'busy') return new PeerBusyError(`peer ${peer} is busy: ${message.message}`, details)
  return new PeerFailedError(`peer ${peer} could not serve ${root}: ${message.message}`, details)
}
