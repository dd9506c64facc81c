import type { Libp2p, Peer, PeerData, PeerId, PeerStore } from '@libp2p/interface'

/** How long a peer's stored record is taken to still list a protocol once a merge wrote or found it. */
export const KNOWN_PROTOCOL_TTL_MS = 60_000

/**
 * libp2p merges `{ protocols: [protocol] }` into the peer store for every stream it opens or
 * accepts (connection.js, after the protocol's negotiation), ~10 per single-step job on each
 * node: each a write lock (an it-queue job with its AbortController, three abort listeners and
 * two debounce timers), the record loaded, its addresses deduplicated and it re-encoded to be
 * compared, and nothing changed (docs/BENCHMARKS.md, "Issue 11, seventh round"). This skips such
 * a merge when a merge of the same peer less than `ttlMs` ago returned a record that lists every
 * protocol asked for and no update of that peer (a `peer:update` event) or deletion came since.
 * Any other merge, and every other write, goes to the peer store as before.
 */
export function skipKnownProtocolMerges (libp2p: Pick<Libp2p, 'peerStore' | 'addEventListener'>, options: { ttlMs?: number, now?: () => number } = {}): void {
  const ttlMs = options.ttlMs ?? KNOWN_PROTOCOL_TTL_MS
  const now = options.now ?? (() => performance.now())
  const peerStore: PeerStore = libp2p.peerStore
  const known = new Map<string, { peer: Peer, at: number }>()
  libp2p.addEventListener('peer:update', evt => {
    known.delete(evt.detail.peer.id.toString())
  })
  // Kept for connected peers only: a cluster with churn (short-lived peers) must not grow it for good.
  libp2p.addEventListener('peer:disconnect', evt => {
    known.delete(evt.detail.toString())
  })
  const merge = peerStore.merge.bind(peerStore)
  const remove = peerStore.delete.bind(peerStore)
  peerStore.merge = async (id: PeerId, data: PeerData, mergeOptions?: Parameters<PeerStore['merge']>[2]): Promise<Peer> => {
    const key = id.toString()
    const protocols = protocolsOnly(data)
    const cached = protocols === undefined ? undefined : known.get(key)
    if (cached !== undefined && now() - cached.at < ttlMs && protocols!.every(p => cached.peer.protocols.includes(p))) return cached.peer
    const peer = await merge(id, data, mergeOptions)
    if (protocols !== undefined) known.set(key, { peer, at: now() })
    return peer
  }
  peerStore.delete = async (id, deleteOptions) => {
    known.delete(id.toString())
    await remove(id, deleteOptions)
  }
}

/** The protocols of a merge that sets nothing else, or undefined. */
function protocolsOnly (data: PeerData): string[] | undefined {
  const keys = Object.keys(data)
  return keys.length === 1 && keys[0] === 'protocols' && Array.isArray(data.protocols) ? data.protocols : undefined
}
