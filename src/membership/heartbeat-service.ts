import { signNodeRecord, verifyNodeRecord } from './core/record-signature.ts'
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from './core/types.ts'
import { ValidatedTopic } from './validated-topic.ts'
import { HEARTBEAT_TOPIC, MAX_ADDRS, MAX_JOBS, MAX_LEASES, PROTOCOL_VERSION, heartbeatCodec } from '../protocol/index.ts'
import type { Capabilities, Capacity, Heartbeat, HeldLease, KnownJob, Load, SignedHeartbeat } from '../protocol/index.ts'
import type { Membership } from './membership.ts'
import type { MembershipMetrics } from './metrics.ts'
import type { PubSub, SubscriptionChangeData } from './pubsub.ts'
import type { TopicRefusal } from './validated-topic.ts'
import { ComponentRun, systemClock } from '../lifecycle/index.ts'
import type { AbortOptions, Clock, Scheduler, Startable } from '../lifecycle/index.ts'
import type { Logger } from '../log.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * Publishes this node's heartbeat every interval, once at start, and as soon
 * as a peer subscribes to the topic (so a joiner learns us within
 * milliseconds, not an interval later); receives the others' into Membership.
 * Each heartbeat carries our signature over our node record, so that others
 * can relay the record in their registry documents and nobody can forge it.
 * The topic's validator refuses malformed, oversize and forged heartbeats
 * (the heartbeat's `peerId` must be the signed publisher), a record signature
 * that does not verify (`bad_signature`), and a `seq` or `sentAt` more than a
 * day ahead of our clock (`future`); with `membership.allowPeers`, it ignores
 * peers not on the list.
 */
export interface HeartbeatServiceInit {
  /** @default 'artdag/v1/nodes/heartbeat' */
  topic?: string | undefined
  /** @default 2000 */
  heartbeatIntervalMs?: number | undefined
  /** The artdag version to announce. */
  version: string
  /**
   * Publish as soon as a peer subscribes to the topic, so a joiner hears us at
   * once rather than up to an interval later.
   *
   * @default true
   */
  announceOnSubscribe?: boolean | undefined
}

/**
 * The live state of this node that goes into every heartbeat (the daemon
 * gathers it; `leases` and `jobs` are the job coordinator's `heartbeatSummary()`).
 */
export interface LocalNodeState {
  capacity: Capacity
  load: Load
  capabilities: Capabilities
  leases: HeldLease[]
  jobs: KnownJob[]
}

export interface HeartbeatServiceComponents {
  pubsub: PubSub
  /** Our libp2p key: it signs our node record in every heartbeat. */
  privateKey: PrivateKey
  /** This node's listen/announce addresses (libp2p's `getMultiaddrs`). */
  getMultiaddrs: () => Multiaddr[]
  membership: Membership
  localState: () => LocalNodeState | Promise<LocalNodeState>
  metrics: MembershipMetrics
  logger: Logger
  /** @default systemClock */
  clock?: Clock | undefined
  /** @default systemScheduler */
  scheduler?: Scheduler | undefined
}

export class HeartbeatService implements Startable {
  readonly topic: string
  readonly #components: HeartbeatServiceComponents
  readonly #intervalMs: number
  readonly #version: string
  readonly #log: Logger
  readonly #channel: ValidatedTopic<SignedHeartbeat>
  readonly #onSubscriptionChange = (event: CustomEvent<SubscriptionChangeData>): void => {
    if (event.detail.subscriptions.some(s => s.subscribe && s.topic === this.topic)) this.publishSoon()
  }

  readonly #clock: Clock
  #run: ComponentRun | undefined
  #soon = false
  #publishing: Promise<void> | undefined
  #again = false
  #warnedTruncation = false
  readonly #heartbeatListeners = new Set<(heartbeat: SignedHeartbeat) => void>()
  readonly #announceOnSubscribe: boolean

  constructor (components: HeartbeatServiceComponents, init: HeartbeatServiceInit) {
    this.topic = init.topic ?? HEARTBEAT_TOPIC
    this.#components = components
    this.#intervalMs = init.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS
    this.#version = init.version
    this.#announceOnSubscribe = init.announceOnSubscribe ?? true
    this.#log = components.logger.forComponent('artdag:heartbeat')
    this.#clock = components.clock ?? systemClock
    const { membership } = components
    this.#channel = new ValidatedTopic<SignedHeartbeat>(components, {
      topic: this.topic,
      codec: heartbeatCodec,
      authorOf: hb => hb.peerId,
      check: hb => checkHeartbeat(hb, membership),
      isMember: peerId => membership.admits(peerId),
      onMessage: hb => {
        this.#receive(hb)
      }
    })
  }

  /** Subscribes and publishes the first heartbeat (resolved once it is out or failed). */
  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.#run !== undefined) return
    const run = new ComponentRun({
      name: 'the heartbeat service',
      scheduler: this.#components.scheduler,
      onTaskError: err => {
        this.#log.warn({ err }, 'heartbeat not published')
      }
    })
    this.#run = run
    await this.#channel.start(options)
    if (this.#announceOnSubscribe) this.#components.pubsub.addEventListener('subscription-change', this.#onSubscriptionChange)
    run.every(this.#intervalMs, () => {
      this.publishSoon()
    })
    await this.publishNow()
  }

  async stop (): Promise<void> {
    const run = this.#run
    if (run === undefined) return
    this.#run = undefined
    this.#soon = false
    this.#components.pubsub.removeEventListener('subscription-change', this.#onSubscriptionChange)
    await this.#channel.stop()
    await run.end()
    await this.#publishing
  }

  /**
   * Called with every accepted heartbeat from another node (after Membership
   * took it in): the job coordinator reads its leases and jobs. Returns the unsubscribe function.
   */
  onHeartbeat (listener: (heartbeat: SignedHeartbeat) => void): () => void {
    this.#heartbeatListeners.add(listener)
    return () => {
      this.#heartbeatListeners.delete(listener)
    }
  }

  /** Publishes a heartbeat on the next turn of the event loop; requests in between coalesce. */
  publishSoon (): void {
    const run = this.#run
    if (run === undefined || this.#soon) return
    this.#soon = true
    run.after(0, () => {
      this.#soon = false
      run.track('heartbeat', this.publishNow())
    })
  }

  /** Builds and publishes a heartbeat now; never throws (failures are logged and counted). */
  async publishNow (): Promise<void> {
    if (this.#publishing !== undefined) {
      this.#again = true
      return await this.#publishing
    }
    this.#publishing = (async () => {
      do {
        this.#again = false
        await this.#publishOnce()
      } while (this.#again && this.#run !== undefined)
    })().finally(() => {
      this.#publishing = undefined
    })
    await this.#publishing
  }

  async #publishOnce (): Promise<void> {
    const { metrics, membership } = this.#components
    try {
      const heartbeat = await this.#build()
      membership.updateSelf(heartbeat)
      const outcome = await this.#channel.publish(heartbeat)
      metrics.heartbeatsPublished.inc({ result: outcome })
    } catch (err: unknown) {
      metrics.heartbeatsPublished.inc({ result: 'error' })
      this.#log.warn({ err }, 'heartbeat not published')
    }
  }

  async #build (): Promise<SignedHeartbeat> {
    const { membership } = this.#components
    const state = await this.#components.localState()
    if (!this.#warnedTruncation && (state.leases.length > MAX_LEASES || state.jobs.length > MAX_JOBS)) {
      this.#warnedTruncation = true
      this.#log.warn({ leases: state.leases.length, jobs: state.jobs.length }, `heartbeat lists only the first ${MAX_LEASES} leases and ${MAX_JOBS} jobs`)
    }
    const now = this.#clock.wallNow()
    const body: Heartbeat = {
      v: PROTOCOL_VERSION,
      type: 'heartbeat',
      peerId: membership.selfId,
      addrs: dialableAddrs(this.#components.getMultiaddrs()),
      version: this.#version,
      seq: membership.nextSeq(),
      sentAt: now,
      capacity: state.capacity,
      capabilities: state.capabilities,
      load: state.load,
      leases: state.leases.slice(0, MAX_LEASES),
      jobs: state.jobs.slice(0, MAX_JOBS)
    }
    return { ...body, signature: await signNodeRecord(body, this.#components.privateKey) }
  }

  #receive (heartbeat: SignedHeartbeat): void {
    const { accepted, refused } = this.#components.membership.receiveHeartbeat(heartbeat)
    this.#components.metrics.heartbeatsReceived.inc({ result: accepted ? 'accepted' : refused ?? 'stale' })
    if (!accepted) return
    for (const listener of this.#heartbeatListeners) {
      try {
        listener(heartbeat)
      } catch (err: unknown) {
        this.#log.error({ peer: heartbeat.peerId, err }, 'heartbeat listener failed')
      }
    }
  }
}

/**
 * The heartbeat topic's own checks, after the schema and the author: the
 * record's signature (the same verdict on every node: Reject, the sender's
 * score drops), then the clock bound (it depends on our own clock: Ignore, so
 * that a node whose clock is wrong does not score honest peers down).
 */
function checkHeartbeat (heartbeat: SignedHeartbeat, membership: Pick<Membership, 'refusal'>): TopicRefusal | undefined {
  if (!verifyNodeRecord(heartbeat, heartbeat.signature)) return { reason: 'bad_signature', result: 'reject' }
  if (membership.refusal(heartbeat) === 'future') return { reason: 'future', result: 'ignore' }
  return undefined
}

/** Our addresses without the `/p2p/<id>` suffix, deduplicated, within the message's cap. */
export function dialableAddrs (addrs: Multiaddr[]): string[] {
  const out = new Set<string>()
  for (const ma of addrs) {
    const text = ma.toString().replace(/\/p2p\/[^/]+$/, '')
    if (text.length <= 256) out.add(text)
    if (out.size >= MAX_ADDRS) break
  }
  return [...out]
}
