import { createHash } from 'node:crypto'
import { equals } from 'uint8arrays/equals'
import { CorruptBlockError, UnsupportedDagError } from './errors.ts'
import type { CID } from 'multiformats/cid'

/**
 * Checks that a block's bytes hash to its CID, synchronously (node:crypto:
 * about 1 ms for a 1 MiB block here), so a block is verified before anything
 * else sees it. The hash functions are those IPFS implementations produce.
 */
const HASHES = new Map<number, { name: string, node?: string }>([
  [0x00, { name: 'identity' }],
  [0x12, { name: 'sha2-256', node: 'sha256' }],
  [0x13, { name: 'sha2-512', node: 'sha512' }],
  [0x16, { name: 'sha3-256', node: 'sha3-256' }],
  [0x14, { name: 'sha3-512', node: 'sha3-512' }]
])

export function isVerifiable (cid: CID): boolean {
  return HASHES.has(cid.multihash.code)
}

export function verifyBlock (cid: CID, bytes: Uint8Array, peer: string): void {
  const hash = HASHES.get(cid.multihash.code)
  if (hash == null) {
    throw new UnsupportedDagError(`block ${cid} uses hash function 0x${cid.multihash.code.toString(16)}, which this node cannot verify`, { cid: cid.toString(), peer })
  }
  const digest = hash.node == null ? bytes : createHash(hash.node).update(bytes).digest()
  if (!equals(digest, cid.multihash.digest)) {
    throw new CorruptBlockError(`peer ${peer} sent corrupt block ${cid}: its ${bytes.byteLength} bytes hash to something else (${hash.name})`, { cid: cid.toString(), peer })
  }
}
