import * as dagJson from '@ipld/dag-json'
import { errorMessage } from '../errors.ts'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { registryDocumentSchema, REGISTRY_MAX_BYTES } from './core/registry-document.ts'
import { RegistryDocumentInvalidError } from './errors.ts'
import { describeIssues } from '../protocol/index.ts'
import type { RegistryDocument } from './core/registry-document.ts'

/**
 * Registry documents are dag-json blocks (CIDv1, dag-json, sha2-256): readable
 * with any IPFS tool (`ipfs dag get`), and content-addressed so the IPNS
 * record is the only mutable part.
 */
export interface EncodedRegistryDocument {
  cid: CID
  bytes: Uint8Array
  doc: RegistryDocument
}

/** Encodes within the size limit, dropping the least recently seen members if it must. */
export async function encodeRegistryDocument (doc: RegistryDocument): Promise<EncodedRegistryDocument> {
  let current = doc
  let bytes = dagJson.encode(current)
  while (bytes.byteLength > REGISTRY_MAX_BYTES && current.members.length > 0) {
    // Members are sorted most recently seen first.
    current = { ...current, members: current.members.slice(0, Math.floor(current.members.length * 0.75)) }
    bytes = dagJson.encode(current)
  }
  const cid = CID.create(1, dagJson.code, await sha256.digest(bytes))
  return { cid, bytes, doc: current }
}

/** Decodes and checks a document found under `peerId`'s IPNS name. */
export function decodeRegistryDocument (bytes: Uint8Array, peerId: string, cid: CID): RegistryDocument {
  const where = `registry document ${cid.toString()} of ${peerId}`
  if (bytes.byteLength > REGISTRY_MAX_BYTES) {
    throw new RegistryDocumentInvalidError(`${where} is ${bytes.byteLength} bytes, over the ${REGISTRY_MAX_BYTES} byte limit`, { cid: cid.toString(), peer: peerId })
  }
  let value: unknown
  try {
    value = dagJson.decode(bytes)
  } catch (err: unknown) {
    throw new RegistryDocumentInvalidError(`${where} is not dag-json: ${errorMessage(err)}`, { cid: cid.toString(), peer: peerId }, { cause: err })
  }
  const parsed = registryDocumentSchema.safeParse(value)
  if (!parsed.success) {
    throw new RegistryDocumentInvalidError(`${where} is invalid: ${describeIssues(parsed.error)}`, { cid: cid.toString(), peer: peerId })
  }
  if (parsed.data.self.peerId !== peerId) {
    throw new RegistryDocumentInvalidError(`${where} describes ${parsed.data.self.peerId}, not the owner of the name`, { cid: cid.toString(), peer: peerId })
  }
  return parsed.data
}

/** The CID in an IPNS value `/ipfs/<cid>`. */
export function cidFromIpnsValue (value: string, peerId: string): CID {
  const match = /^\/ipfs\/([^/]+)$/.exec(value)
  try {
    if (match?.[1] !== undefined) return CID.parse(match[1])
  } catch {
    // not a CID: the error below says what the value was
  }
  throw new RegistryDocumentInvalidError(`IPNS name of ${peerId} points to ${JSON.stringify(value)}, not /ipfs/<cid> of a registry document`, { peer: peerId, value })
}
