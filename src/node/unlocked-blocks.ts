import type { HeliaBlockstoreLike } from '../store/transfer/index.ts'

/**
 * Helia's blockstore below its gc lock: `BlockStorage.unwrap()`, the networked storage that
 * reads, writes and fetches blocks (bitswap included) without it. Helia takes a mortice read
 * lock around every block `get`, `has` and `put` only to keep them apart from its own gc; each
 * lock is an it-queue job with an AbortController, three abort listeners, two debounce timers
 * and ~20 promises, ~10 of them per single-step job on each node (docs/BENCHMARKS.md, "Issue
 * 11, seventh round"). The content store runs Helia's gc only inside its GcGuard's exclusive
 * section, and makes blocks reachable (add + pin, fetch + pin) inside shared ones, so gc never
 * runs beside them. A read outside them racing a gc can find the block gone between the store's
 * `has` and its read (a NotFoundError, where the lock made it wait and then fetch): the content
 * store asks once more, and the store, seeing it missing, fetches it from peers.
 * Helia's own users (bitswap serving peers, IPNS) keep the locked blockstore.
 */
export function withoutGcLock<B extends HeliaBlockstoreLike> (blockstore: B): B {
  const inner = (blockstore as { unwrap?: () => unknown }).unwrap?.()
  return isBlockstore(inner) ? inner as B : blockstore
}

function isBlockstore (value: unknown): value is HeliaBlockstoreLike {
  const candidate = value as Partial<Record<keyof HeliaBlockstoreLike, unknown>> | undefined
  return typeof candidate?.get === 'function' && typeof candidate.has === 'function' && typeof candidate.put === 'function'
}
