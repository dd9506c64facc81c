import { peerIdFromCID } from '@libp2p/peer-id'
import { withArrayBuffer } from 'uint8arrays/with-array-buffer'
import type { Libp2p, PeerInfo } from '@libp2p/interface'
import type { Peer, Router } from 'helia'

/**
 * Helia's router over libp2p, without content routing. The stock one
 * (`@helia/libp2p`) answers `findProviders` with a DHT query, and bitswap
 * starts one for every block it wants: a query to every peer and peer-store
 * writes per block, for provider records that nobody in an artdag cluster
 * publishes (blocks are not announced to the DHT). Bitswap asks the connected
 * peers anyway, and the cache records name each result's producer, which the
 * node can dial. Records (`put`/`get`, used by IPNS) and peer routing go to
 * libp2p as before.
 *
 * Named `libp2p-router` so that `withLibp2pLight` does not add the stock one.
 * `libp2p` is a getter: Helia creates libp2p only when it starts.
 */
export function recordsOnlyRouter (libp2p: () => Libp2p): Router {
  return {
    name: 'libp2p-router',
    put: async (key, value, options) => {
      await libp2p().contentRouting.put(key, value, options)
    },
    get: async (key, options) => withArrayBuffer(await libp2p().contentRouting.get(key, options)),
    findPeer: async (peer, options) => toPeer(await libp2p().peerRouting.findPeer(peerIdFromCID(peer), options)),
    getClosestPeers: async function* (key, options) {
      for await (const info of libp2p().peerRouting.getClosestPeers(key, options)) yield toPeer(info)
    }
  }
}

function toPeer (info: PeerInfo): Peer {
  return { id: info.id.toCID(), multiaddrs: info.multiaddrs, router: 'libp2p-router' }
}
