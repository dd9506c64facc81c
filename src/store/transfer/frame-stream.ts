import { AbortedError, errorMessage } from '../../errors.ts'
import { PeerUnreachableError, TransferProtocolError, TransferTimeoutError } from './errors.ts'
import { FrameParser } from './frame-parser.ts'
import type { Frame } from './frame-parser.ts'
import type { Stream } from '@libp2p/interface'

/**
 * Frames over a libp2p stream, with backpressure both ways.
 *
 * Reading: libp2p 3 streams push 'message' events and their async iterator
 * buffers without bound, and yamux grants the sender more window as soon as
 * data arrives, not as it is consumed. So the reader pauses the stream when
 * more than `highWaterBytes` wait to be parsed (yamux then stops granting
 * window and the sender stops) and resumes it below half of that.
 *
 * Writing: `send()` queues; when it says the transport is full the writer
 * waits for 'drain', bounded by the idle timeout.
 */
export interface FrameStreamInit {
  peer: string
  maxFrameBytes: number
  /** Parsed-but-unread bytes at which the stream is paused. */
  highWaterBytes: number
  /**
   * Bytes a paused stream may hold before it resets itself. A reader of
   * blocks needs room for the sender's whole yamux window (16 MiB at most)
   * on top of its own buffer; a holder reads two small frames and keeps the
   * stream's default (4 MiB), so a requester that floods it is reset.
   */
  pausedBufferBytes?: number
}

/** Room for a paused block stream: the largest yamux window and then some. */
export const BLOCK_STREAM_PAUSED_BUFFER_BYTES = 32 * 1024 * 1024

export class FrameStream {
  readonly stream: Stream
  readonly #peer: string
  readonly #parser: FrameParser
  readonly #highWater: number
  #ended = false
  #pauseQueued = false
  #peak = 0
  #failure: Error | undefined
  #wake: PromiseWithResolvers<void> | undefined

  constructor (stream: Stream, init: FrameStreamInit) {
    this.stream = stream
    this.#peer = init.peer
    this.#parser = new FrameParser(init.maxFrameBytes, init.peer)
    this.#highWater = init.highWaterBytes
    if (init.pausedBufferBytes != null) stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, init.pausedBufferBytes + init.highWaterBytes)
    stream.addEventListener('message', this.#onMessage)
    stream.addEventListener('end', this.#onEnd)
    stream.addEventListener('close', this.#onClose)
    if (stream.status !== 'open') this.#onClose(stream.status === 'closed' ? undefined : new PeerUnreachableError(`stream is ${stream.status}`, { peer: init.peer }))
  }

  get peer (): string {
    return this.#peer
  }

  /** The most bytes received and not yet read out as frames, at any moment: this reader's memory. */
  get peakBufferedBytes (): number {
    return this.#peak
  }

  /**
   * The next frame; undefined when the peer closed its side cleanly between
   * frames. Waits at most `timeoutMs` for bytes to arrive.
   */
  async read (options: { signal?: AbortSignal | undefined, timeoutMs: number, waitingFor: string }): Promise<Frame | undefined> {
    while (true) {
      const frame = this.#parser.next()
      if (frame != null) {
        if (this.stream.readStatus === 'paused' && this.#parser.bufferedBytes < this.#highWater / 2) this.stream.resume()
        return frame
      }
      if (this.#failure != null) throw this.#failure
      if (this.stream.readStatus === 'paused') {
        this.stream.resume() // hands over what the stream held back, synchronously
        continue
      }
      if (this.#ended || this.stream.readableEnded) {
        if (this.#parser.midFrame) throw new TransferProtocolError(`peer ${this.#peer} closed the stream in the middle of a frame`, { peer: this.#peer })
        return undefined
      }
      await this.#waitForData(options)
    }
  }

  /** Queues bytes; when the transport is full, waits for it to drain (within `timeoutMs`). */
  async write (chunks: Uint8Array[], options: { signal?: AbortSignal | undefined, timeoutMs: number }): Promise<void> {
    let full = false
    try {
      for (const chunk of chunks) full = !this.stream.send(chunk) || full
    } catch (err: unknown) { // closed or reset under us
      throw new PeerUnreachableError(`stream to peer ${this.#peer} failed: ${errorMessage(err)}`, { peer: this.#peer }, { cause: err })
    }
    if (full) {
      const timeout = AbortSignal.timeout(options.timeoutMs)
      const signal = options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
      try {
        await this.stream.onDrain({ signal })
      } catch (err: unknown) {
        if (options.signal?.aborted === true) throw new AbortedError(`aborted while sending to peer ${this.#peer}`, { peer: this.#peer }, { cause: err })
        if (timeout.aborted) throw new TransferTimeoutError(`peer ${this.#peer} read nothing for ${options.timeoutMs} ms`, { peer: this.#peer, timeoutMs: options.timeoutMs }, { cause: err })
        throw new PeerUnreachableError(`stream to peer ${this.#peer} failed: ${(err as Error).message}`, { peer: this.#peer }, { cause: err })
      }
    }
  }

  /** Removes the listeners; the stream itself is closed or aborted by its owner. */
  release (): void {
    this.stream.removeEventListener('message', this.#onMessage)
    this.stream.removeEventListener('end', this.#onEnd)
    this.stream.removeEventListener('close', this.#onClose)
    this.#wake?.resolve()
  }

  async #waitForData (options: { signal?: AbortSignal | undefined, timeoutMs: number, waitingFor: string }): Promise<void> {
    options.signal?.throwIfAborted()
    const wake = this.#wake = Promise.withResolvers<void>()
    let timer: ReturnType<typeof setTimeout> | undefined
    const onAbort = (): void => {
      wake.reject(new AbortedError(`aborted while ${options.waitingFor} from peer ${this.#peer}`, { peer: this.#peer }))
    }
    try {
      timer = setTimeout(() => {
        wake.reject(new TransferTimeoutError(`peer ${this.#peer} sent nothing for ${options.timeoutMs} ms while ${options.waitingFor}`, { peer: this.#peer, timeoutMs: options.timeoutMs }))
      }, options.timeoutMs)
      options.signal?.addEventListener('abort', onAbort, { once: true })
      await wake.promise
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      this.#wake = undefined
    }
  }

  readonly #onMessage = (evt: { data: Uint8Array | Iterable<Uint8Array> }): void => {
    const data = evt.data
    if (data instanceof Uint8Array) {
      this.#parser.push(data)
    } else {
      for (const chunk of data) this.#parser.push(chunk)
    }
    this.#peak = Math.max(this.#peak, this.#parser.bufferedBytes + this.stream.readBufferLength)
    // Not from inside this handler: `resume()` dispatches the buffered data to it and only then
    // tells yamux to grant window again, so a pause taken here would be undone at once and the
    // sender would never be held back (the stream then resets at maxReadBufferLength).
    if (this.#parser.bufferedBytes > this.#highWater && !this.#pauseQueued) {
      this.#pauseQueued = true
      queueMicrotask(this.#pauseIfFull)
    }
    this.#wake?.resolve()
  }

  readonly #pauseIfFull = (): void => {
    this.#pauseQueued = false
    if (this.#parser.bufferedBytes > this.#highWater && this.stream.readStatus === 'readable') this.stream.pause()
  }

  /** 'end', not 'remoteCloseWrite': the latter comes while a paused stream still holds the last bytes. */
  readonly #onEnd = (): void => {
    this.#ended = true
    this.#wake?.resolve()
  }

  readonly #onClose = (evt?: { error?: Error } | Error): void => {
    const error = evt instanceof Error ? evt : evt?.error
    if (error != null) {
      this.#failure ??= new PeerUnreachableError(`stream with peer ${this.#peer} failed: ${error.message}`, { peer: this.#peer }, { cause: error })
    }
    this.#ended = true
    this.#wake?.resolve()
  }
}
