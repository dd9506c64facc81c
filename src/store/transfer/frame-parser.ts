import { TransferProtocolError } from './errors.ts'
import { frameName } from './wire.ts'

/** One decoded frame: its type byte and payload. */
export interface Frame {
  type: number
  payload: Uint8Array
}

/**
 * Cuts a byte stream into frames (`varint(length) | type | payload`), pure and
 * incremental: feed it chunks as they arrive, take frames out. A frame that
 * sits whole in one chunk is a view of it; a frame spread over chunks (a 1 MiB
 * block arrives as noise's 64 KiB messages) is copied once into a buffer of
 * its announced length. The length is checked before anything is allocated.
 */
export class FrameParser {
  readonly #maxFrameBytes: number
  readonly #peer: string
  #chunks: Uint8Array[] = []
  #buffered = 0
  #assembling: { buf: Uint8Array, filled: number } | undefined

  constructor (maxFrameBytes: number, peer: string) {
    this.#maxFrameBytes = maxFrameBytes
    this.#peer = peer
  }

  /** Bytes received and not yet returned as frames. */
  get bufferedBytes (): number {
    return this.#buffered + (this.#assembling?.filled ?? 0)
  }

  push (chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return
    this.#chunks.push(chunk)
    this.#buffered += chunk.byteLength
  }

  /** The next whole frame, or undefined until more bytes arrive. */
  next (): Frame | undefined {
    if (this.#assembling == null) {
      const length = this.#readLength()
      if (length === undefined) return undefined
      const first = this.#chunks[0]
      if (first != null && first.byteLength >= length) {
        const frame = first.subarray(0, length)
        this.#consume(length)
        return toFrame(frame)
      }
      // every byte is overwritten before the frame is handed out: no need to zero it
      this.#assembling = { buf: Buffer.allocUnsafe(length), filled: 0 }
    }
    const target = this.#assembling
    while (target.filled < target.buf.byteLength && this.#chunks.length > 0) {
      const chunk = this.#chunks[0]!
      const take = Math.min(chunk.byteLength, target.buf.byteLength - target.filled)
      target.buf.set(take === chunk.byteLength ? chunk : chunk.subarray(0, take), target.filled)
      target.filled += take
      this.#consume(take)
    }
    if (target.filled < target.buf.byteLength) return undefined
    this.#assembling = undefined
    return toFrame(target.buf)
  }

  /** Whether bytes of an unfinished frame are held: the stream ended mid-frame if so. */
  get midFrame (): boolean {
    return this.bufferedBytes > 0
  }

  /** Reads the varint length at the front, consuming it once it is whole and valid. */
  #readLength (): number | undefined {
    let value = 0
    let scale = 1
    let index = 0
    for (const chunk of this.#chunks) {
      for (let i = 0; i < chunk.byteLength; i++) {
        const byte = chunk[i]!
        value += (byte & 0x7f) * scale
        index++
        if ((byte & 0x80) === 0) {
          if (value === 0) throw new TransferProtocolError(`peer ${this.#peer} sent an empty frame`, { peer: this.#peer })
          if (value > this.#maxFrameBytes) {
            throw new TransferProtocolError(`peer ${this.#peer} announced a ${value} byte frame, over the ${this.#maxFrameBytes} byte limit`, { peer: this.#peer, limit: this.#maxFrameBytes })
          }
          this.#consume(index)
          return value
        }
        scale *= 0x80
        if (index >= 5) throw new TransferProtocolError(`peer ${this.#peer} sent a frame length that does not end within 5 bytes`, { peer: this.#peer })
      }
    }
    return undefined
  }

  #consume (bytes: number): void {
    this.#buffered -= bytes
    while (bytes > 0) {
      const chunk = this.#chunks[0]!
      if (chunk.byteLength <= bytes) {
        this.#chunks.shift()
        bytes -= chunk.byteLength
      } else {
        this.#chunks[0] = chunk.subarray(bytes)
        bytes = 0
      }
    }
  }
}

function toFrame (bytes: Uint8Array): Frame {
  return { type: bytes[0]!, payload: bytes.subarray(1) }
}

/** Throws unless `frame` is one of `expected`, naming what came instead. */
export function expectFrame (frame: Frame | undefined, expected: number[], peer: string, when: string): Frame {
  if (frame == null) {
    throw new TransferProtocolError(`peer ${peer} closed the stream ${when}`, { peer })
  }
  if (!expected.includes(frame.type)) {
    throw new TransferProtocolError(`peer ${peer} sent a ${frameName(frame.type)} frame ${when}, expected ${expected.map(frameName).join(' or ')}`, { peer, frame: frame.type })
  }
  return frame
}
