import { PeerNotAllowedError } from './errors.ts'
import { withBitswap } from '@helia/bitswap'
import { ipns as createIpns } from '@helia/ipns'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { AbortedError } from '../errors.ts'
import { silentLogger } from '../log.ts'
import { DatastoreCacheIndex, HeliaContentStore } from '../store/index.ts'
import { ContentTransfer, heliaLocalBlocks } from '../store/transfer/index.ts'
import type { AbortOptions, CacheIndex, HeliaContentStoreInit } from '../store/index.ts'
import type { ContentTransferInit } from '../store/transfer/index.ts'
import { lookupNeighbours } from './dht.ts'
import { debugLogger } from './debug-logger.ts'
import { BootstrapDialer, dialAddress } from './dialer.ts'
import { PeerAllowlist } from './gater.ts'
import { ensureHomeDir, homePaths, readHomeKeys } from './home.ts'
import { createHeliaLight } from './helia-light.ts'
import { withLibp2p } from './helia-libp2p.ts'
import { captureLingeringTimers } from './lingering-timers.ts'
import { listenFailure } from './listen-failure.ts'
import { DEFAULT_DIAL_TIMEOUT_MS, DEFAULT_LISTEN } from './defaults.ts'
import { buildLibp2pOptions } from './libp2p-options.ts'
import { NeighbourLookups } from './neighbours.ts'
import { acquireRepoLock } from './repo-lock.ts'
import { recordsOnlyRouter } from './routing.ts'
import { openStores } from './stores.ts'
import type { BootstrapAddressState } from './dialer.ts'
import type { HomePaths } from './home.ts'
import type { ArtdagServices } from './libp2p-options.ts'
import type { PubSub, PubSubInit } from './gossipsub.ts'
import type { RepoLock } from './repo-lock.ts'
import type { NodeStores } from './stores.ts'
import type { Logger } from '../log.ts'
import type { BitswapOptions } from '@helia/bitswap'
import type { IPNS } from '@helia/ipns'
import type { HeliaWithLibp2p } from '@helia/libp2p'
import type { Connection, Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import type { KadDHT, Selectors, Validators } from '@libp2p/kad-dht'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface ArtdagNodeInit {
  /** The home: blocks, datastore and repo lock live there; identity and swarm key are read from it unless given. */
  home: string
  privateKey?: PrivateKey | undefined
  /** swarm.key content (Kubo's format). */
  swarmKey?: Uint8Array | undefined
  /** @default DEFAULT_LISTEN (`/ip4/0.0.0.0/tcp/4101`) */
  listen?: string[] | undefined
  /** Addresses announced instead of the listen addresses (e.g. a tailnet IP). */
  announce?: string[] | undefined
  /** Source address of outgoing connections (e.g. the tailnet IP on a multi-homed host). Unset: the system picks. */
  dialFrom?: string | undefined
  /** Dialled at start, with or without `/p2p/<id>`, and redialled with backoff until stop. */
  bootstrap?: string[] | undefined
  /** @default DEFAULT_DIAL_TIMEOUT_MS */
  dialTimeoutMs?: number | undefined
  /** @default DEFAULT_KAD_PROTOCOL (`/artdag/kad/1.0.0`) */
  kadProtocol?: string | undefined
  /** Only these peer ids may connect. Undefined or empty: any peer with the swarm key. */
  allowPeers?: string[] | undefined
  /** DHT validators/selectors by namespace, over the defaults (`ipns`, `artdag-cache`). */
  validators?: Validators | undefined
  selectors?: Selectors | undefined
  pubsub?: PubSubInit | undefined
  bitswap?: BitswapOptions | undefined
  content?: HeliaContentStoreInit | undefined
  /**
   * The direct DAG transfer protocol (`/artdag/fetch/1.0.0`): always served;
   * `fetch: false` makes this node's reads use bitswap only.
   */
  transfer?: ContentTransferInit & { fetch?: boolean } | undefined
  logger?: Logger | undefined
  /** Take the home's repo lock. @default true */
  lock?: boolean | undefined
}

export type ArtdagHelia = HeliaWithLibp2p<ArtdagServices>

/**
 * A running artdag node: libp2p (TCP + pnet + noise + yamux, identify, ping,
 * gossipsub, kad-dht), Helia with bitswap over it, IPNS, the content store and
 * the cache index. It is started when `createArtdagNode` resolves; `stop()`
 * stops everything, closes the stores and releases the repo lock.
 */
export interface ArtdagNode {
  readonly peerId: PeerId
  readonly privateKey: PrivateKey
  readonly paths: HomePaths
  readonly libp2p: Libp2p<ArtdagServices>
  readonly helia: ArtdagHelia
  readonly pubsub: PubSub
  readonly dht: KadDHT
  readonly ipns: IPNS
  readonly content: HeliaContentStore
  /** Serves and fetches whole DAGs peer to peer; `stats` counts what went which way. */
  readonly transfer: ContentTransfer
  readonly cacheIndex: CacheIndex
  readonly allowlist: PeerAllowlist
  /** The addresses peers can dial, each ending in `/p2p/<peer id>`. */
  multiaddrs: () => Multiaddr[]
  /** Dials an address (with or without `/p2p/`) within the dial timeout: for discovery. */
  dial: (address: string | Multiaddr, options?: AbortOptions) => Promise<Connection>
  /** Each bootstrap address (this node's own left out): connected, or the last failure and the next attempt. */
  bootstrapState: () => BootstrapAddressState[]
  /** Replaces the allowlist (undefined or empty: allow all) and hangs up on peers no longer allowed. */
  setAllowlist: (peerIds: string[] | undefined) => Promise<void>
  stop: () => Promise<void>
}

export async function createArtdagNode (init: ArtdagNodeInit, options: AbortOptions = {}): Promise<ArtdagNode> {
  const logger = init.logger ?? silentLogger()
  const log = logger.forComponent('artdag:node')
  const paths = homePaths(init.home)
  const dialTimeoutMs = init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS
  const cleanup: Array<() => Promise<void>> = []
  /** Undoes what was started, newest first; a step that fails is logged and the rest still run. */
  const rollback = async (): Promise<void> => {
    for (const undo of cleanup.splice(0).reverse()) {
      await undo().catch((err: unknown) => {
        log.warn({ err }, 'error while stopping the node')
      })
    }
  }

  try {
    options.signal?.throwIfAborted()
    const keys = init.privateKey != null && init.swarmKey != null ? undefined : await readHomeKeys(paths)
    const privateKey = init.privateKey ?? keys!.identity.privateKey
    const swarmKey = init.swarmKey ?? keys!.swarmKey
    await ensureHomeDir(paths.home)
    if (init.lock !== false) {
      const lock: RepoLock = await acquireRepoLock(paths.lock, { purpose: 'daemon' })
      cleanup.push(lock.release)
    }

    const stores: NodeStores = await openStores(paths)
    cleanup.push(stores.close)

    const light = await createHeliaLight({
      blockstore: stores.blockstore,
      datastore: stores.datastore,
      codecs: [dagJson, dagCbor],
      // Helia's, bitswap's and (through withLibp2p) libp2p's debug lines: silent unless $DEBUG asks.
      logger: debugLogger(),
      // `helia` is assigned below; the router only runs once it has started
      routers: [recordsOnlyRouter(() => helia.libp2p)]
    })
    const allowlist = new PeerAllowlist(nonEmpty(init.allowPeers))
    const libp2pOptions = buildLibp2pOptions({
      privateKey,
      swarmKey,
      listen: init.listen ?? DEFAULT_LISTEN,
      announce: init.announce ?? [],
      dialFrom: init.dialFrom,
      allowlist,
      dialTimeoutMs,
      pubsub: init.pubsub,
      dht: { protocol: init.kadProtocol, validators: init.validators, selectors: init.selectors, keychain: light.keychain }
    })
    const helia = withBitswap(withLibp2p(light, libp2pOptions), init.bitswap) as ArtdagHelia
    // Built before start: IPNS starts its republisher on Helia's `start` event.
    const ipns = createIpns({ datastore: helia.datastore, routing: helia.routing, logger: helia.logger, keychain: helia.keychain, events: helia.events })

    options.signal?.throwIfAborted()
    cleanup.push(async () => {
      let clearTimers = (): void => {}
      try {
        clearTimers = captureLingeringTimers(helia.libp2p)
      } catch {} // libp2p never started
      await helia.stop()
      clearTimers()
    })
    await helia.start()
    options.signal?.throwIfAborted()

    const libp2p = helia.libp2p
    const transfer = new ContentTransfer({ libp2p, blocks: heliaLocalBlocks(helia.blockstore), logger }, init.transfer)
    await transfer.start()
    cleanup.push(async () => {
      await transfer.stop()
    })
    const content = new HeliaContentStore({ helia, ...(init.transfer?.fetch !== false ? { transfer } : {}) }, init.content)
    const cacheIndex = new DatastoreCacheIndex({ datastore: helia.datastore })
    const neighbours = new NeighbourLookups(async signal => await lookupNeighbours(libp2p.services.dht, libp2p.peerId, { signal }), logger)
    cleanup.push(async () => {
      await neighbours.stop()
    })
    const bootstrap = new BootstrapDialer({ libp2p, logger }, {
      addresses: init.bootstrap ?? [],
      dialTimeoutMs,
      onConnect: () => {
        neighbours.request()
      }
    })
    await bootstrap.start(options)
    cleanup.push(async () => {
      await bootstrap.stop()
    })
    log.info({ peerId: libp2p.peerId.toString(), addresses: libp2p.getMultiaddrs().map(String) }, 'node started')

    let stopping: Promise<void> | undefined
    return {
      peerId: libp2p.peerId,
      privateKey,
      paths,
      libp2p,
      helia,
      pubsub: libp2p.services.pubsub,
      dht: libp2p.services.dht,
      ipns,
      content,
      transfer,
      cacheIndex,
      allowlist,
      multiaddrs: () => libp2p.getMultiaddrs(),
      bootstrapState: () => bootstrap.state(),
      dial: async (address, dialOptions = {}) => await dialAddress(libp2p, address, { timeoutMs: dialTimeoutMs, signal: dialOptions.signal }),
      setAllowlist: async (peerIds) => {
        allowlist.replace(nonEmpty(peerIds))
        const denied = libp2p.getConnections().filter(conn => !allowlist.allows(conn.remotePeer))
        await Promise.all(denied.map(async conn => {
          await conn.close().catch(() => conn.abort(new PeerNotAllowedError(`peer ${conn.remotePeer.toString()} was removed from the allowlist`, { peer: conn.remotePeer.toString() })))
        }))
      },
      stop: async () => {
        stopping ??= (async () => {
          log.info('node stopping')
          await rollback()
        })()
        await stopping
      }
    }
  } catch (err: unknown) {
    await rollback()
    if (options.signal?.aborted === true) throw new AbortedError('aborted while starting the node', undefined, { cause: err })
    throw listenFailure(err) ?? err
  }
}

function nonEmpty (ids: string[] | undefined): string[] | undefined {
  return ids == null || ids.length === 0 ? undefined : ids
}
