import { CID } from 'multiformats/cid'
import { errorMessage } from '../../errors.ts'
import { z } from 'zod'
import { cidString, jsonCodec } from '../../protocol/index.ts'
import { TransferProtocolError } from './errors.ts'

/**
 * The wire format of `/artdag/fetch/1.0.0`. One stream per transfer:
 *
 *   requester                         holder
 *   REQUEST {cid, mode, offset?, length?}  →
 *                                     ←  HAVE | NOT_HERE | ERROR
 *   START                             →        (only after HAVE; or close to decline)
 *                                     ←  BLOCK, BLOCK, … in DAG order, then END
 *
 * Every frame is `varint(1 + payload length) | type byte | payload`. A BLOCK
 * payload is the binary CID followed by the block's bytes: the same layout as
 * a CAR section, so a dump of BLOCK payloads reads like a CAR body. Control
 * payloads are small JSON objects. HAVE and START make two phases so that a
 * requester can ask several peers at once and take exactly one stream of
 * blocks: the others are declined before they send a byte of content.
 */
export const TRANSFER_PROTOCOL = '/artdag/fetch/1.0.0'

export const FrameType = {
  request: 0x01,
  have: 0x02,
  notHere: 0x03,
  start: 0x04,
  block: 0x05,
  end: 0x06,
  error: 0x07
} as const
export type FrameType = typeof FrameType[keyof typeof FrameType]

const FRAME_NAMES = new Map<number, string>(Object.entries(FrameType).map(([name, code]) => [code, name]))
export function frameName (type: number): string {
  return FRAME_NAMES.get(type) ?? `0x${type.toString(16)}`
}

/** The largest block either side sends or accepts: Kubo's and bitswap's limit (2 MiB). */
export const DEFAULT_MAX_BLOCK_BYTES = 2 * 1024 * 1024
/** A CID in binary is well under this. */
const MAX_CID_BYTES = 128
/** Largest control (JSON) frame payload. */
export const MAX_CONTROL_BYTES = 4096

/** The largest frame length a reader accepts when blocks may be `maxBlockBytes`. */
export function maxFrameBytes (maxBlockBytes: number): number {
  return 1 + MAX_CID_BYTES + maxBlockBytes
}

/** `file`: a UnixFS file (or a raw leaf), optionally a byte range of it. `dag`: every block reachable from the root. `block`: the root block alone. */
export const requestCodec = jsonCodec(
  'fetch request',
  z.object({
    v: z.literal(1),
    cid: cidString,
    mode: z.enum(['file', 'dag', 'block']),
    offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    length: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional()
  }).strict(),
  MAX_CONTROL_BYTES
)
export type TransferRequest = ReturnType<typeof requestCodec.decode>

export const endCodec = jsonCodec(
  'fetch end',
  z.object({
    blocks: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative()
  }).strict(),
  MAX_CONTROL_BYTES
)

export const errorCodec = jsonCodec(
  'fetch error',
  z.object({
    reason: z.enum(['busy', 'invalid', 'failed']),
    message: z.string().max(1000)
  }).strict(),
  MAX_CONTROL_BYTES
)
export type TransferErrorMessage = ReturnType<typeof errorCodec.decode>

/** `varint(length) | type`, the bytes before a frame's payload. */
export function frameHeader (type: FrameType, payloadBytes: number, extra?: Uint8Array): Uint8Array {
  const length = 1 + payloadBytes + (extra?.byteLength ?? 0)
  const varintBytes = varintLength(length)
  const out = new Uint8Array(varintBytes + 1 + (extra?.byteLength ?? 0))
  writeVarint(length, out, 0)
  out[varintBytes] = type
  if (extra != null) out.set(extra, varintBytes + 1)
  return out
}

/** A whole control frame. */
export function controlFrame (type: FrameType, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const header = frameHeader(type, payload.byteLength)
  const out = new Uint8Array(header.byteLength + payload.byteLength)
  out.set(header)
  out.set(payload, header.byteLength)
  return out
}

/** The head of a BLOCK frame (length, type, CID); the block's bytes follow it on the wire as they are, uncopied. */
export function blockFrameHead (cid: CID, blockBytes: number): Uint8Array {
  return frameHeader(FrameType.block, blockBytes, cid.bytes)
}

/** Splits a BLOCK payload into its CID and bytes. */
export function decodeBlockPayload (payload: Uint8Array, peer: string): { cid: CID, bytes: Uint8Array } {
  try {
    const [cid, bytes] = CID.decodeFirst(payload)
    return { cid, bytes }
  } catch (err: unknown) {
    throw new TransferProtocolError(`peer ${peer} sent a block frame that does not start with a CID: ${errorMessage(err)}`, { peer }, { cause: err })
  }
}

/** Decodes a control payload with its codec; a bad one is the peer's protocol error. */
export function decodeControl<T> (codec: { decode: (bytes: Uint8Array) => T }, payload: Uint8Array, peer: string, what: string): T {
  try {
    return codec.decode(payload)
  } catch (err: unknown) {
    throw new TransferProtocolError(`peer ${peer} sent a bad ${what} frame: ${errorMessage(err)}`, { peer }, { cause: err })
  }
}

export function varintLength (value: number): number {
  let bytes = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    bytes++
  }
  return bytes
}

export function writeVarint (value: number, out: Uint8Array, offset: number): number {
  while (value >= 0x80) {
    out[offset++] = (value & 0x7f) | 0x80
    value = Math.floor(value / 0x80)
  }
  out[offset++] = value
  return offset
}
