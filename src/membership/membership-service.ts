import { HeartbeatService } from './heartbeat-service.ts'
import { libp2pDialer } from './libp2p-dialer.ts'
import { Membership } from './membership.ts'
import { createMembershipMetrics } from './metrics.ts'
import { Reconnector } from './reconnector.ts'
import { Registry } from './registry.ts'
import { memberOnlyTopic } from './validated-topic.ts'
import type { MembershipTimings } from './core/types.ts'
import type { LocalNodeState } from './heartbeat-service.ts'
import type { MembershipMetrics } from './metrics.ts'
import type { PubSub } from './pubsub.ts'
import type { ReconnectorInit } from './reconnector.ts'
import type { RegistryComponents, RegistryInit } from './registry.ts'
import type { ValidatedTopic, ValidatedTopicInit } from './validated-topic.ts'
import { startAll, stopAll } from '../lifecycle/index.ts'
import type { AbortOptions, Clock, Scheduler, Startable } from '../lifecycle/index.ts'
import type { Logger } from '../log.ts'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

/**
 * Cluster membership as one component for the daemon: the table and failure
 * detector, heartbeats, the IPNS registry and the reconnector, started and
 * stopped in order. Needs started Helia and libp2p.
 */
export interface MembershipServiceInit {
  /** The artdag version this node announces. */
  version: string
  /** @default 'artdag/v1/nodes/heartbeat' (config `topics.heartbeat`) */
  heartbeatTopic?: string
  /** Heartbeat as soon as a peer subscribes (a joiner hears us at once). @default true */
  announceOnSubscribe?: boolean
  /** Config `membership.*` (the timings). */
  timings?: Partial<MembershipTimings>
  /**
   * Config `membership.allowPeers`: only these peers can be members. Undefined or empty: any
   * peer holding the swarm key that sends a valid heartbeat.
   */
  allowPeers?: string[] | undefined
  /** Config `registry.*`. */
  registry?: RegistryInit
  /** Dialing of known members that are not connected; `false` turns it off. */
  reconnect?: ReconnectorInit | false
}

export interface MembershipServiceComponents {
  libp2p: Pick<Libp2p<{ pubsub: PubSub }>, 'peerId' | 'services' | 'getMultiaddrs' | 'getPeers' | 'getConnections' | 'dial' | 'addEventListener' | 'removeEventListener'>
  helia: RegistryComponents['helia']
  ipns: RegistryComponents['ipns']
  privateKey: PrivateKey
  /** This node's live state for each heartbeat. */
  localState: () => LocalNodeState | Promise<LocalNodeState>
  /** How the content store labels the pin of our registry document. */
  registryPinMetadata: RegistryComponents['pinMetadata']
  logger: Logger
  /** Defaults to counters in a registry of their own. */
  metrics?: MembershipMetrics | undefined
  /** Time for every part (failure detection, heartbeats, registry, reconnection). @default systemClock */
  clock?: Clock | undefined
  /** Timers for every part. @default systemScheduler */
  scheduler?: Scheduler | undefined
}

export class MembershipService implements Startable {
  readonly membership: Membership
  readonly heartbeats: HeartbeatService
  readonly registry: Registry
  readonly reconnector: Reconnector | undefined
  readonly metrics: MembershipMetrics
  readonly #c: MembershipServiceComponents
  #parts: Startable[] = []

  constructor (components: MembershipServiceComponents, init: MembershipServiceInit) {
    this.#c = components
    const { libp2p, logger, clock, scheduler } = components
    const metrics = this.metrics = components.metrics ?? createMembershipMetrics()
    const membership = this.membership = new Membership({ peerId: libp2p.peerId.toString(), version: init.version, logger, metrics, clock, scheduler }, { ...init.timings, allowPeers: init.allowPeers })
    this.heartbeats = new HeartbeatService({
      pubsub: libp2p.services.pubsub,
      privateKey: components.privateKey,
      getMultiaddrs: () => libp2p.getMultiaddrs(),
      membership,
      localState: components.localState,
      metrics,
      logger,
      clock,
      scheduler
    }, { topic: init.heartbeatTopic, heartbeatIntervalMs: membership.timings.heartbeatIntervalMs, version: init.version, announceOnSubscribe: init.announceOnSubscribe })
    this.registry = new Registry({ privateKey: components.privateKey, ipns: components.ipns, helia: components.helia, libp2p, membership, metrics, logger, pinMetadata: components.registryPinMetadata, clock, scheduler }, init.registry)
    this.reconnector = init.reconnect === false
      ? undefined
      : new Reconnector({ membership, dialer: libp2pDialer(libp2p), metrics, logger, clock, scheduler }, {
        intervalMs: Math.max(1000, membership.timings.heartbeatIntervalMs * 2),
        ...init.reconnect
      })
  }

  /** A peer that has sent a valid heartbeat or is in a registry: what member-only topics admit. */
  readonly isMember = (peerId: string): boolean => this.membership.isMember(peerId)

  /**
   * A topic validated like every artdag topic, admitting only members' messages. Start and stop it
   * with the daemon. Every message on it, received or published, is work: the heartbeat returns to
   * its configured interval (docs/MEMBERSHIP.md "An idle node's slower heartbeat").
   */
  memberOnlyTopic<T> (init: Omit<ValidatedTopicInit<T>, 'isMember'>): ValidatedTopic<T> {
    return memberOnlyTopic({ pubsub: this.#c.libp2p.services.pubsub, metrics: this.metrics, logger: this.#c.logger, isMember: this.isMember }, {
      ...init,
      onActivity: () => {
        init.onActivity?.()
        this.heartbeats.workArrived()
      }
    })
  }

  /**
   * Failure detection, the registry, heartbeats, then reconnection, in that
   * order (startAll: a part that fails to start stops the ones before it).
   * Our first heartbeat builds our record (addresses, capacity): the first
   * registry document published after it carries it.
   */
  async start (options: AbortOptions = {}): Promise<void> {
    if (this.#parts.length > 0) return
    const parts: Startable[] = [this.membership, this.registry, this.heartbeats, ...(this.reconnector !== undefined ? [this.reconnector] : [])]
    await startAll(parts, options)
    this.#parts = parts
    this.registry.schedulePublish()
  }

  async stop (): Promise<void> {
    const parts = this.#parts
    this.#parts = []
    const failures = await stopAll(parts)
    if (failures.length > 0) throw failures[0]
  }
}
