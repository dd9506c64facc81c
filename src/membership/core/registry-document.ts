import { z } from 'zod'
import { PROTOCOL_VERSION, nodeRecordSchema, recordSignatureString, timestampMs } from '../../protocol/index.ts'
import type { NodeRecord } from '../../protocol/index.ts'

/**
 * The registry document a node publishes under its IPNS name (a dag-json
 * block): its own record and what it knows of every other member. See
 * docs/MEMBERSHIP.md for the merge rule.
 */
export const REGISTRY_DOCUMENT_TYPE = 'artdag-registry'

/** Far more than any real cluster needs; keeps one document well under bitswap's block limit. */
export const MAX_REGISTRY_MEMBERS = 256
export const REGISTRY_MAX_BYTES = 1024 * 1024

export const registryEntrySchema = z.object({
  record: nodeRecordSchema,
  /** The member's own signature over `record`: a receiver takes the record only if it verifies. */
  signature: recordSignatureString,
  /** When the publisher last heard a heartbeat from the member (its wall clock, ms): hearsay. */
  lastSeen: timestampMs
})

export const registryDocumentSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal(REGISTRY_DOCUMENT_TYPE),
  /** The publisher's wall clock at publication. */
  publishedAt: timestampMs,
  /** The publisher's own record: its `peerId` must be the IPNS name the document was found under. */
  self: nodeRecordSchema,
  /** The publisher's signature over `self`, as in its heartbeats. */
  selfSignature: recordSignatureString,
  /** Every other member the publisher knows, the publisher excluded. */
  members: z.array(registryEntrySchema).max(MAX_REGISTRY_MEMBERS)
})

export type RegistryEntry = z.infer<typeof registryEntrySchema>
export type RegistryDocument = z.infer<typeof registryDocumentSchema>

export function buildRegistryDocument (self: NodeRecord, selfSignature: string, members: RegistryEntry[], publishedAt: number): RegistryDocument {
  // Most recently seen first, so a cap drops the stalest members; then by peer id for a stable order.
  const sorted = members
    .filter(entry => entry.record.peerId !== self.peerId)
    .sort((a, b) => (b.lastSeen - a.lastSeen) || (a.record.peerId < b.record.peerId ? -1 : 1))
    .slice(0, MAX_REGISTRY_MEMBERS)
  return { v: PROTOCOL_VERSION, type: REGISTRY_DOCUMENT_TYPE, publishedAt, self, selfSignature, members: sorted }
}
