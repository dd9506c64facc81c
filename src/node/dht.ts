import { setTimeout as sleep } from 'node:timers/promises'
import { IPNSEntry, ipnsSelector, ipnsValidator } from '@helia/ipns'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { CACHE_RECORD_NAMESPACE, cacheRecordSelector, createCacheRecordValidator } from '../store/index.ts'
import { DEFAULT_KAD_PROTOCOL } from './defaults.ts'
import type { AbortOptions } from '../store/index.ts'
import type { Helia } from 'helia'
import type { PeerId } from '@libp2p/interface'
import type { KadDHT, KadDHTComponents, Selectors, Validators } from '@libp2p/kad-dht'

/** The self-query at start runs after this delay (the default 1 s delays the first put/get). */
export const DEFAULT_INITIAL_QUERY_SELF_INTERVAL_MS = 50
/**
 * Then it repeats this often (kad-dht's default, 5 min). Peers that joined elsewhere are met
 * sooner through membership: heartbeats and the registry name them and the reconnector dials them.
 */
export const DEFAULT_QUERY_SELF_INTERVAL_MS = 300_000
/** A lookup of our own neighbourhood ends after this long, whatever it found. */
export const DEFAULT_NEIGHBOUR_LOOKUP_TIMEOUT_MS = 10_000

export interface DhtInit {
  /** @default DEFAULT_KAD_PROTOCOL */
  protocol?: string | undefined
  /** Extra validators, by namespace; they override the defaults below. */
  validators?: Validators | undefined
  selectors?: Selectors | undefined
  /** Helia's keychain, which the IPNS validator needs. */
  keychain: Helia['keychain']
}

/**
 * Every server must validate and select every namespace it stores, or it
 * resets the stream of a put (which then fails quietly). By default: `ipns`,
 * and `artdag-cache` accepting any correctly signed record (the daemon passes
 * one that also checks membership).
 */
export function createDht (init: DhtInit): (components: KadDHTComponents) => KadDHT {
  return kadDHT({
    protocol: init.protocol ?? DEFAULT_KAD_PROTOCOL,
    // On a LAN nobody has a public address: left unset, every node stays a client and nothing is stored.
    clientMode: false,
    // The default mapper drops private addresses, i.e. every address of a LAN or tailnet peer.
    peerInfoMapper: passthroughMapper,
    // A lone node (the first of a cluster) answers from its own store instead of blocking.
    allowQueryWithZeroPeers: true,
    initialQuerySelfInterval: DEFAULT_INITIAL_QUERY_SELF_INTERVAL_MS,
    querySelfInterval: DEFAULT_QUERY_SELF_INTERVAL_MS,
    validators: {
      ipns: async (key, value) => {
        await ipnsValidator(key, value, init.keychain)
      },
      [CACHE_RECORD_NAMESPACE]: createCacheRecordValidator(),
      ...init.validators
    },
    selectors: {
      ipns: (key, values) => ipnsSelector(key, values.map(value => IPNSEntry.decode(value))),
      [CACHE_RECORD_NAMESPACE]: cacheRecordSelector,
      ...init.selectors
    }
  })
}

/**
 * Looks up the peers closest to our own id, which connects to them: how a
 * node that only knows its bootstrap peer meets the rest of the cluster. The
 * start-up self-query runs once, often before the bootstrap dial has
 * connected, so the node runs this after each bootstrap connection. Right
 * after a connection the peer may not be in the routing table yet (identify,
 * then a ping, come first): a lookup that reaches no one is retried with a
 * short backoff, within the timeout. Returns how many peers it reached.
 */
export async function lookupNeighbours (dht: Pick<KadDHT, 'getClosestPeers'>, self: PeerId, options: AbortOptions & { timeoutMs?: number } = {}): Promise<number> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_NEIGHBOUR_LOOKUP_TIMEOUT_MS)
  const signal = options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
  let found = 0
  let backoff = 50
  try {
    while (found === 0) {
      for await (const event of dht.getClosestPeers(self.toMultihash().bytes, { signal })) {
        if (event.name === 'FINAL_PEER') found++
      }
      if (found === 0) {
        await sleep(backoff, undefined, { signal })
        backoff = Math.min(backoff * 2, 1000)
      }
    }
  } catch (err: unknown) {
    if (options.signal?.aborted === true) throw err
    // the timeout: what was reached is connected all the same
  }
  return found
}
