import { signalOnly } from '../lifecycle/index.ts'
import * as dagCbor from '@ipld/dag-cbor'
import { Key } from 'interface-datastore'
import { base36 } from 'multiformats/bases/base36'
import { linksOf } from './fetch-dag.ts'
import type { AbortOptions } from './types.ts'
import type { Datastore } from 'interface-datastore'
import type { CID } from 'multiformats/cid'

/**
 * Works around a Helia 7.1 pinning bug that loses data. Each block keeps a
 * record `{ pinCount, pinnedBy }` under `/pinned-block/<base36 multihash>`.
 * `pins.rm(cid)` decrements the count but filters `pinnedBy` with the test
 * inverted, so it keeps the removed `cid` (and drops the others). When `cid`
 * is pinned again, `pins.add` finds it in `pinnedBy`, takes the block as
 * already counted and does not increment. Two DAGs that share a block: pin A,
 * pin B, unpin B, pin B, unpin A: the count reaches 0, the record is deleted,
 * and gc removes a block of B, which is still pinned.
 *
 * Before pinning a CID that is not pinned, any mention of it in `pinnedBy`
 * is stale: this removes those, so the count is incremented as it should.
 * Records in an unexpected shape are left alone.
 */
const PINNED_BLOCK_PREFIX = '/pinned-block/'

export async function clearStalePinnedBy (
  datastore: Datastore,
  root: CID,
  getLocalBlock: (cid: CID, options: AbortOptions) => Promise<Uint8Array>,
  options: AbortOptions = {}
): Promise<number> {
  let repaired = 0
  const seen = new Set<string>()
  const queue: CID[] = [root]
  for (let cid = queue.pop(); cid != null; cid = queue.pop()) {
    options.signal?.throwIfAborted()
    const id = cid.toString()
    if (seen.has(id)) continue
    seen.add(id)
    if (await removeFromPinnedBy(datastore, cid, root, options)) repaired++
    if (cid.code !== 0x55) queue.push(...linksOf(cid, await getLocalBlock(cid, options))) // raw leaves have no links
  }
  return repaired
}

async function removeFromPinnedBy (datastore: Datastore, block: CID, root: CID, options: AbortOptions): Promise<boolean> {
  const key = new Key(`${PINNED_BLOCK_PREFIX}${base36.encode(block.multihash.bytes)}`)
  let record: unknown
  try {
    record = dagCbor.decode(await datastore.get(key, signalOnly(options)))
  } catch {
    return false // not pinned by anything, or not a record we understand
  }
  if (!isPinnedBlock(record)) return false
  const pinnedBy = record.pinnedBy.filter(bytes => !equal(bytes, root.bytes))
  if (pinnedBy.length === record.pinnedBy.length) return false
  await datastore.put(key, dagCbor.encode({ ...record, pinnedBy }), signalOnly(options))
  return true
}

function isPinnedBlock (value: unknown): value is { pinCount: number, pinnedBy: Uint8Array[] } {
  const v = value as { pinCount?: unknown, pinnedBy?: unknown }
  return typeof v?.pinCount === 'number' && Array.isArray(v.pinnedBy) && v.pinnedBy.every(item => item instanceof Uint8Array)
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}
