import { CID } from 'multiformats/cid'
import type { CacheIndex, ContentStore } from '../store/index.ts'

/**
 * The cached output of `cacheId` on this node: a record in the local index
 * whose content is all in the local store. A record whose blocks were
 * collected is a miss, not an error: the step runs again.
 */
export async function lookupLocalCache (cacheIndex: CacheIndex, store: ContentStore, cacheId: string, options: { signal?: AbortSignal | undefined } = {}): Promise<string | undefined> {
  const entry = await cacheIndex.get(cacheId, options)
  if (entry == null) return undefined
  const stat = await store.stat(CID.parse(entry.cid), { signal: options.signal }).catch(() => null)
  return stat?.local === true ? entry.cid : undefined
}
