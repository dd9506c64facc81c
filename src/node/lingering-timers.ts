import type { Libp2p } from '@libp2p/interface'

/**
 * Two timers that libp2p 3.3 / @libp2p/gossipsub 17.1 leave running after
 * stop(), each for up to a second:
 * - gossipsub's stop() replaces its `status` object without clearing the
 *   pending `heartbeatTimeout` it holds;
 * - the address manager debounces a peer-store update (1 s) on
 *   `transport:close`, which stop() itself emits, and never cancels it (it
 *   then writes to a datastore we have closed).
 * Call before stopping libp2p; call the returned function after. Both lookups
 * are defensive: if upstream changes shape, this does nothing.
 */
export function captureLingeringTimers (libp2p: Libp2p): () => void {
  const pubsubStatus = (libp2p.services as { pubsub?: { status?: { heartbeatTimeout?: ReturnType<typeof setTimeout> } } }).pubsub?.status
  const addressManager = (libp2p as unknown as { components?: { addressManager?: { _updatePeerStoreAddresses?: { stop?: () => void } } } }).components?.addressManager
  return () => {
    if (pubsubStatus?.heartbeatTimeout != null) clearTimeout(pubsubStatus.heartbeatTimeout)
    addressManager?._updatePeerStoreAddresses?.stop?.()
  }
}
