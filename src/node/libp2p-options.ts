import { identify } from '@libp2p/identify'
import { errorMessage } from '../errors.ts'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { coalescingProtector } from './coalesced-writes.ts'
import { DEFAULT_DIAL_TIMEOUT_MS } from './defaults.ts'
import { createDht } from './dht.ts'
import { InvalidMultiaddrError } from './errors.ts'
import { allowlistGater } from './gater.ts'
import { createPubSub } from './gossipsub.ts'
import { applyPnetCipherFix } from './pnet-cipher-fix.ts'
import { useEd25519KeyObjects } from './ed25519-key-objects.ts'
import { applyYamuxWindowFix } from './yamux-window-fix.ts'
import type { DhtInit } from './dht.ts'
import type { PeerAllowlist } from './gater.ts'
import type { PubSub, PubSubInit } from './gossipsub.ts'
import type { Identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { TCPSocketOptions } from '@libp2p/tcp'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Libp2pOptions } from 'libp2p'

/** The libp2p services of an artdag node, by name. */
export interface ArtdagServices extends Record<string, unknown> {
  identify: Identify
  ping: Ping
  pubsub: PubSub
  dht: KadDHT
}

export const CONNECTION_PING_INTERVAL_MS = 60_000

export interface Libp2pOptionsInit {
  privateKey: PrivateKey
  /** The swarm.key file's content: a node without the same key cannot connect. */
  swarmKey: Uint8Array
  listen: string[]
  announce: string[]
  /** Source address of outgoing connections (e.g. the tailnet IP on a multi-homed host). Unset: the system picks. */
  dialFrom?: string | undefined
  allowlist: PeerAllowlist
  dht: DhtInit
  pubsub?: PubSubInit | undefined
  dialTimeoutMs?: number | undefined
}

/**
 * TCP, a pre-shared-key private network, noise, yamux; identify, ping,
 * gossipsub and our kad-dht. No peer discovery module: bootstrap dialing and
 * discovery (src/node/dialer.ts and the discovery module) dial explicitly.
 */
export function buildLibp2pOptions (init: Libp2pOptionsInit): Libp2pOptions<ArtdagServices> {
  applyPnetCipherFix()
  // A window update per received frame doubled the frames of every small exchange.
  applyYamuxWindowFix()
  // Signatures on every gossipsub message, heartbeat, cache record and attestation: one KeyObject per key.
  useEd25519KeyObjects()
  return {
    privateKey: init.privateKey,
    addresses: {
      listen: init.listen.map(addr => parseMultiaddr(addr, 'listen').toString()),
      announce: init.announce.map(addr => parseMultiaddr(addr, 'announce').toString())
    },
    transports: [tcp(init.dialFrom != null ? { dialOpts: dialFrom(init.dialFrom) } : {})],
    // pnet sees every raw connection first: its TCP socket sends each turn's frames in one write.
    connectionProtector: coalescingProtector(preSharedKey({ psk: init.swarmKey })),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: allowlistGater(init.allowlist),
    connectionManager: {
      dialTimeout: init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS
    },
    // libp2p pings every connection every 10 s by default. Membership heartbeats already prove
    // that peers live, and every small message costs its way through pnet, noise and yamux:
    // a slower monitor keeps an idle daemon's CPU down and still closes dead connections.
    connectionMonitor: { pingInterval: CONNECTION_PING_INTERVAL_MS },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: createPubSub(init.pubsub),
      dht: createDht(init.dht)
    }
  }
}

/**
 * `@libp2p/tcp` spreads its `dialOpts` into `net.connect`, which binds the
 * socket to `localAddress`; its option type leaves that key out.
 */
function dialFrom (localAddress: string): TCPSocketOptions {
  const options: TCPSocketOptions & { localAddress: string } = { localAddress }
  return options
}

/** Parses a multiaddr from config or a flag; `field` names where it came from. */
export function parseMultiaddr (value: string | Multiaddr, field: string): Multiaddr {
  if (typeof value !== 'string') return value
  try {
    return multiaddr(value)
  } catch (err: unknown) {
    throw new InvalidMultiaddrError(`${field}: ${JSON.stringify(value)} is not a multiaddr (e.g. /ip4/10.0.0.2/tcp/4101): ${errorMessage(err)}`, { field, value }, { cause: err })
  }
}
