import { z } from 'zod'
import { MessageInvalidError } from './errors.ts'

/**
 * Every message on a topic is a JSON object `{ "v": 1, "type": "...", ... }`,
 * UTF-8, validated with its zod schema at the edge. JSON keeps the wire format
 * readable with any tool; messages carry CIDs, never payloads.
 */
export const PROTOCOL_VERSION = 1

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Formats an issue path the way users write it: `capacity.slots`, `steps[2].cid`. */
export function formatIssuePath (path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else out += out === '' ? String(seg) : `.${String(seg)}`
  }
  return out
}

/** One line per zod issue, each naming the field. */
export function describeIssues (error: z.ZodError, prefix = ''): string {
  return error.issues
    .map(issue => {
      const path = formatIssuePath([...(prefix === '' ? [] : [prefix]), ...issue.path])
      return path === '' ? issue.message : `${path}: ${issue.message}`
    })
    .join('; ')
}

export interface Codec<T> {
  /** The largest encoded message accepted or produced, in bytes. */
  readonly maxBytes: number
  encode: (message: T) => Uint8Array
  decode: (bytes: Uint8Array) => T
}

/** Builds a size-limited JSON codec around a message schema. */
export function jsonCodec<S extends z.ZodType> (name: string, schema: S, maxBytes: number): Codec<z.infer<S>> {
  return {
    maxBytes,
    encode (message) {
      const checked = schema.safeParse(message)
      if (!checked.success) {
        throw new MessageInvalidError(`refusing to send an invalid ${name} message: ${describeIssues(checked.error)}`)
      }
      const bytes = encoder.encode(JSON.stringify(checked.data))
      if (bytes.byteLength > maxBytes) {
        throw new MessageInvalidError(`${name} message is ${bytes.byteLength} bytes, over the ${maxBytes} byte limit`)
      }
      return bytes
    },
    decode (bytes) {
      if (bytes.byteLength > maxBytes) {
        throw new MessageInvalidError(`${name} message is ${bytes.byteLength} bytes, over the ${maxBytes} byte limit`)
      }
      let value: unknown
      try {
        value = JSON.parse(decoder.decode(bytes))
      } catch (err: unknown) {
        throw new MessageInvalidError(`${name} message is not UTF-8 JSON`, undefined, { cause: err })
      }
      if (typeof value === 'object' && value !== null && 'v' in value && value.v !== PROTOCOL_VERSION) {
        throw new MessageInvalidError(`${name} message has version ${String(value.v)}; this node speaks version ${PROTOCOL_VERSION}`)
      }
      const parsed = schema.safeParse(value)
      if (!parsed.success) {
        throw new MessageInvalidError(`invalid ${name} message: ${describeIssues(parsed.error)}`)
      }
      return parsed.data
    }
  }
}

// Field schemas shared by several messages.
export const peerIdString = z.string().regex(/^(12D3KooW[1-9A-HJ-NP-Za-km-z]{44}|Qm[1-9A-HJ-NP-Za-km-z]{44})$/, 'not a peer id')
export const cidString = z.string().min(8).max(128).regex(/^[a-zA-Z0-9]+$/, 'not a CID')
export const cacheIdString = z.string().regex(/^[0-9a-f]{64}$/, 'not a cache id (64 hex characters)')
export const timestampMs = z.number().int().nonnegative()
