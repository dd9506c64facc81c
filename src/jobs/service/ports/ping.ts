import { peerIdFromString } from '@libp2p/peer-id'
import type { ArtdagNode } from '../../../node/index.ts'
import type { PortOptions } from '../../driver/ports.ts'
import type { PingPort } from '../../driver/round-trips.ts'
import type { Connection } from '@libp2p/interface'

/** A ping that gets no answer in this long gives no sample. */
export const PING_TIMEOUT_MS = 5000

/** The part of a stream muxer that measures a round trip on its connection (yamux's PING frame). */
export interface MuxerPing {
  ping: () => Promise<number>
}

/**
 * Round trips over the connection the lease messages use. A connected peer is
 * measured with the muxer's own ping (yamux PING and its ACK: one 12-byte frame
 * each way, answered by the peer's muxer as it reads the connection, as yamux
 * keep-alives are), not with libp2p's ping protocol, which opens, negotiates and
 * closes a stream per ping: measured, those streams were a quarter of an idle
 * daemon's CPU (docs/BENCHMARKS.md, Idle). A peer with no such connection is
 * pinged with libp2p's ping, which dials it if need be.
 */
export function libp2pPing (libp2p: ArtdagNode['libp2p']): PingPort {
  return {
    ping: async (peer: string, done: (rttMs: number) => void, options: PortOptions): Promise<void> => {
      const id = peerIdFromString(peer)
      const muxer = muxerPingOf(libp2p.getConnections(id))
      if (muxer !== undefined) {
        const rtt = await muxerRoundTrip(muxer, PING_TIMEOUT_MS, options.signal)
        if (rtt !== undefined) done(rtt)
        return
      }
      const signal = AbortSignal.any([options.signal, AbortSignal.timeout(PING_TIMEOUT_MS)])
      try {
        done(await libp2p.services.ping.ping(id, { signal }))
      } catch {
        // No answer, no sample: whether the peer is alive is membership's business.
      }
    }
  }
}

/** The muxer ping of the first open connection that has one (yamux's; another muxer may not). */
export function muxerPingOf (connections: Connection[]): MuxerPing | undefined {
  for (const connection of connections) {
    if (connection.status !== 'open') continue
    // The muxer is the connection's implementation detail: not in the Connection interface.
    const muxer = (connection as Connection & { muxer?: Partial<MuxerPing> }).muxer
    if (typeof muxer?.ping === 'function') return muxer as MuxerPing
  }
  return undefined
}

/**
 * The muxer's round trip, or undefined if none came within `timeoutMs` or the
 * signal aborted. The muxer's ping itself is never aborted: yamux treats an ACK
 * for a ping it no longer waits for as a protocol error and closes the
 * connection, so a late answer must still find its ping waiting. A ping already
 * under way (a keep-alive) is shared, and its round trip, measured from its own
 * start, can only be longer than this one's: never an underestimate.
 */
export async function muxerRoundTrip (muxer: MuxerPing, timeoutMs: number, signal: AbortSignal): Promise<number | undefined> {
  if (signal.aborted) return undefined
  const ping = muxer.ping()
  const gaveUp = Promise.withResolvers<undefined>()
  const timer = setTimeout(() => {
    gaveUp.resolve(undefined)
  }, timeoutMs)
  const onAbort = (): void => {
    gaveUp.resolve(undefined)
  }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await Promise.race([ping.catch(() => undefined), gaveUp.promise])
  } finally {
    clearTimeout(timer)
    signal.removeEventListener('abort', onAbort)
  }
}
