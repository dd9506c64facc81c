import { z } from 'zod'
import { cacheIdString, cidString, jsonCodec, peerIdString, PROTOCOL_VERSION, timestampMs } from '../codec.ts'
import type { Codec } from '../codec.ts'
import { MessageInvalidError } from '../errors.ts'
import { LEASE_TOPIC, MAX_LEASES_PER_MESSAGE } from '../limits.ts'

/**
 * The step-lease protocol on pubsub (decisions live in src/lease and src/jobs;
 * this file only describes the bytes). Every message names its `holder`, which
 * the adapter must check against the signed publisher (MessageForgedError).
 * See docs/LEASES.md for when each message is sent.
 */
export { LEASE_TOPIC, MAX_LEASES_PER_MESSAGE } from '../limits.ts'

/** Fencing number of a lease; grows by one on every new claim of a cache id. */
export const leaseEpoch = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)
/** A step's id in its recipe (the recipe node id). */
export const stepIdString = z.string().min(1).max(128)

const version = z.literal(PROTOCOL_VERSION)

/** "I take the step `cacheId` at `epoch`": sent once, when a node claims. */
export const leaseClaimSchema = z.object({
  v: version,
  type: z.literal('lease_claim'),
  cacheId: cacheIdString,
  epoch: leaseEpoch,
  holder: peerIdString,
  /** The job and step the claim was made for (informational: the lease is per cache id). */
  jobId: cidString,
  stepId: stepIdString,
  /** The sender's clock; never compared with the receiver's. */
  sentAt: timestampMs
})

export const heldLeaseSchema = z.object({ cacheId: cacheIdString, epoch: leaseEpoch })
/** A node's unreleased leases: in every renew, and in every heartbeat (membership embeds it). */
export const heldLeasesSchema = z.array(heldLeaseSchema).max(MAX_LEASES_PER_MESSAGE)

/** "I still hold these": sent every renew interval, and at once to answer a losing claim. */
export const leaseRenewSchema = z.object({
  v: version,
  type: z.literal('lease_renew'),
  holder: peerIdString,
  leases: heldLeasesSchema.min(1),
  sentAt: timestampMs
})

export const RELEASE_REASONS = ['cancelled', 'not_needed', 'restarted'] as const

/** "I no longer hold `cacheId` at `epoch`": on cancel, when no live job needs it, after a restart. */
export const leaseReleaseSchema = z.object({
  v: version,
  type: z.literal('lease_release'),
  cacheId: cacheIdString,
  epoch: leaseEpoch,
  holder: peerIdString,
  reason: z.enum(RELEASE_REASONS),
  sentAt: timestampMs
})

/**
 * "The best claim I know for `cacheId` is `holder`'s at `epoch`" (hearsay, from
 * `sender`): the answer to a claim that loses to a claim its sender never
 * heard of — whose holder may have died or released it, and so may never
 * correct the claimant, which would otherwise run the step under a claim nobody accepts.
 */
export const leaseStateSchema = z.object({
  v: version,
  type: z.literal('lease_state'),
  cacheId: cacheIdString,
  epoch: leaseEpoch,
  holder: peerIdString,
  released: z.boolean(),
  sender: peerIdString,
  sentAt: timestampMs
})

export const leaseMessageSchema = z.discriminatedUnion('type', [leaseClaimSchema, leaseRenewSchema, leaseReleaseSchema, leaseStateSchema])

export type LeaseClaimMessage = z.infer<typeof leaseClaimSchema>
export type LeaseRenewMessage = z.infer<typeof leaseRenewSchema>
export type LeaseReleaseMessage = z.infer<typeof leaseReleaseSchema>
export type LeaseStateMessage = z.infer<typeof leaseStateSchema>
export type LeaseMessage = z.infer<typeof leaseMessageSchema>
export type HeldLease = z.infer<typeof heldLeaseSchema>

export const LEASE_CLAIM_MAX_BYTES = 1024
export const LEASE_RELEASE_MAX_BYTES = 1024
export const LEASE_STATE_MAX_BYTES = 1024
export const LEASE_RENEW_MAX_BYTES = 32 * 1024
export const LEASE_TOPIC_MAX_BYTES = LEASE_RENEW_MAX_BYTES

export const leaseClaimCodec = jsonCodec('lease_claim', leaseClaimSchema, LEASE_CLAIM_MAX_BYTES)
export const leaseRenewCodec = jsonCodec('lease_renew', leaseRenewSchema, LEASE_RENEW_MAX_BYTES)
export const leaseReleaseCodec = jsonCodec('lease_release', leaseReleaseSchema, LEASE_RELEASE_MAX_BYTES)
export const leaseStateCodec = jsonCodec('lease_state', leaseStateSchema, LEASE_STATE_MAX_BYTES)
/**
 * A topic's codec: any of its messages, each held to its own type's size limit
 * (a 1 KiB claim may not arrive as 32 KiB just because renewals may).
 */
export function topicCodec<T extends { type: string }> (topic: string, any: Codec<T>, limits: Readonly<Record<T['type'], number>>): Codec<T> {
  const check = (message: T, size: number): T => {
    const limit = limits[message.type as T['type']]
    if (size > limit) throw new MessageInvalidError(`${message.type} message on ${topic} is ${size} bytes, over the ${limit} byte limit`)
    return message
  }
  return {
    maxBytes: any.maxBytes,
    encode (message) {
      const bytes = any.encode(message)
      check(message, bytes.byteLength)
      return bytes
    },
    decode (bytes) {
      return check(any.decode(bytes), bytes.byteLength)
    }
  }
}

/** Encodes and decodes any message on LEASE_TOPIC. */
export const leaseCodec = topicCodec(LEASE_TOPIC, jsonCodec('lease', leaseMessageSchema, LEASE_TOPIC_MAX_BYTES), {
  lease_claim: LEASE_CLAIM_MAX_BYTES,
  lease_renew: LEASE_RENEW_MAX_BYTES,
  lease_release: LEASE_RELEASE_MAX_BYTES,
  lease_state: LEASE_STATE_MAX_BYTES
})
