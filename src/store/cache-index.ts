import { signalOnly } from '../lifecycle/index.ts'
import { Key } from 'interface-datastore'
import { InvalidArgumentError } from '../errors.ts'
import { cacheIdString } from '../protocol/light/index.ts'
import type { AbortOptions, CacheEntry, CacheIndex } from './types.ts'
import { readIfPresent } from './datastore-read.ts'
import type { Datastore } from 'interface-datastore'
import { defined } from '../defined.ts'

/**
 * The local `cache_id → CID` index, one datastore key per entry
 * (`/artdag/cache-index/<cache_id>`, JSON). It shares the node's datastore
 * (datastore-level under the home) with the DHT, the pins and IPNS.
 */
export const CACHE_INDEX_PREFIX = '/artdag/cache-index'

export class DatastoreCacheIndex implements CacheIndex {
  readonly #datastore: Datastore

  constructor (components: { datastore: Datastore }) {
    this.#datastore = components.datastore
  }

  async get (cacheId: string, options: AbortOptions = {}): Promise<CacheEntry | undefined> {
    const bytes = await readIfPresent(this.#datastore, keyFor(cacheId), options)
    return bytes === undefined ? undefined : decode(bytes)
  }

  async put (entry: CacheEntry, options: AbortOptions = {}): Promise<void> {
    checkEntry(entry)
    const value: CacheEntry = { cacheId: entry.cacheId, cid: entry.cid, producer: entry.producer, createdAt: entry.createdAt }
    if (entry.stepType != null) value.stepType = entry.stepType
    if (entry.attestations != null) value.attestations = entry.attestations.map(a => ({ peer: a.peer, epoch: a.epoch, ...defined({ sig: a.sig }) }))
    await this.#datastore.put(keyFor(entry.cacheId), new TextEncoder().encode(JSON.stringify(value)), signalOnly(options))
  }

  async delete (cacheId: string, options: AbortOptions = {}): Promise<void> {
    await this.#datastore.delete(keyFor(cacheId), signalOnly(options))
  }

  async *entries (options: AbortOptions = {}): AsyncIterable<CacheEntry> {
    for await (const { value } of this.#datastore.query({ prefix: `${CACHE_INDEX_PREFIX}/` }, signalOnly(options))) {
      yield decode(value)
    }
  }
}

function keyFor (cacheId: string): Key {
  if (!cacheIdString.safeParse(cacheId).success) {
    throw new InvalidArgumentError(`not a cache id: ${JSON.stringify(cacheId)} (64 lowercase hex characters)`, { cacheId })
  }
  return new Key(`${CACHE_INDEX_PREFIX}/${cacheId}`)
}

function checkEntry (entry: CacheEntry): void {
  keyFor(entry.cacheId)
  if (typeof entry.cid !== 'string' || entry.cid === '') throw new InvalidArgumentError(`cache entry ${entry.cacheId}: cid is missing`)
  if (typeof entry.producer !== 'string' || entry.producer === '') throw new InvalidArgumentError(`cache entry ${entry.cacheId}: producer is missing`)
  if (!Number.isSafeInteger(entry.createdAt) || entry.createdAt < 0) throw new InvalidArgumentError(`cache entry ${entry.cacheId}: createdAt must be milliseconds since the epoch`)
}

function decode (bytes: Uint8Array): CacheEntry {
  return JSON.parse(new TextDecoder().decode(bytes)) as CacheEntry
}
