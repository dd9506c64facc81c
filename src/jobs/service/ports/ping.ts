import { peerIdFromString } from '@libp2p/peer-id'
import type { ArtdagNode } from '../../../node/index.ts'
import type { PortOptions } from '../../driver/ports.ts'
import type { PingPort } from '../../driver/round-trips.ts'

/** A ping that gets no answer in this long gives no sample. */
const PING_TIMEOUT_MS = 5000

/** Round trips with libp2p's ping protocol, over the connection the lease messages use. */
export function libp2pPing (libp2p: ArtdagNode['libp2p']): PingPort {
  return {
    ping: async (peer: string, done: (rttMs: number) => void, options: PortOptions): Promise<void> => {
      const signal = AbortSignal.any([options.signal, AbortSignal.timeout(PING_TIMEOUT_MS)])
      try {
        done(await libp2p.services.ping.ping(peerIdFromString(peer), { signal }))
      } catch {
        // No answer, no sample: whether the peer is alive is membership's business.
      }
    }
  }
}
