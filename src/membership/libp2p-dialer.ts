import { peerIdFromString } from '@libp2p/peer-id'
import type { MemberDialer } from './reconnector.ts'
import type { Libp2p } from '@libp2p/interface'

/** The reconnector's dialer over a libp2p node. */
export function libp2pDialer (libp2p: Pick<Libp2p, 'dial' | 'getConnections'>): MemberDialer {
  return {
    isConnected (peerId) {
      try {
        return libp2p.getConnections(peerIdFromString(peerId)).some(c => c.status === 'open')
      } catch {
        return false
      }
    },
    async dial (_peerId, addrs, { signal }) {
      await libp2p.dial(addrs, { signal })
    }
  }
}
