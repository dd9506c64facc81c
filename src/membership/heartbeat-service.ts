import { announcedIntervalMs, MAX_INTERVAL_STRETCH } from './core/failure-detector.ts'
import { everyPeerAnnounces, HeartbeatPace, hasWorkInFlight } from './core/pace.ts'
import { signNodeRecord, verifyNodeRecord } from './core/record-signature.ts'
import { HEARD_WINDOW_INTERVALS, Hearings, heardDigest, heardList, MIN_SUSPECT_INTERVALS_TO_LIST, mustForward } from './core/relay.ts'
import type { PeerHearing } from './core/relay.ts'
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from './core/types.ts'
import { ValidatedTopic } from './validated-topic.ts'
import { HEARTBEAT_TOPIC, MAX_ADDRS, MAX_JOBS, MAX_LEASES, MAX_NEXT_IN_MS, PROTOCOL_VERSION, heartbeatCodec } from '../protocol/index.ts'
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
 *
 * Each heartbeat lists the authors we heard directly (`heard`), and we forward
 * another's lease-free heartbeat only when some peer does not list its author
 * (src/membership/core/relay.ts, docs/PROTOCOL.md "Heartbeat forwarding"). When an
 * author we listed goes unheard for 1.5 intervals (a direct link that died
 * silently), we publish at once a heartbeat that no longer lists it, so that the
 * relays forward its next one to us.
 *
 * Each heartbeat announces when the next one comes (`nextInMs`): the configured
 * interval while work is in flight, `idleIntervalMs` otherwise (src/membership/core/pace.ts,
 * docs/MEMBERSHIP.md "An idle node's slower heartbeat"); `workArrived()` brings it back at once.
 * The windows above follow each peer's announced interval.
 */
export interface HeartbeatServiceInit {
  /** @default 'artdag/v1/nodes/heartbeat' */
  topic?: string | undefined
  /** @default 2000 */
  heartbeatIntervalMs?: number | undefined
  /**
   * The interval while nothing is in flight (no lease, no running step or job, no work for that
   * long); the interval itself turns the stretch off.
   *
   * @default MAX_INTERVAL_STRETCH × heartbeatIntervalMs
   */
  idleIntervalMs?: number | undefined
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
  /** Authors' heartbeats as they reached us: straight from them or not. */
  readonly #hearings = new Hearings()
  /** Each peer's latest `heard` list. */
  readonly #peerHearings = new Map<string, PeerHearing>()
  readonly #digests = new Map<string, string>()
  /** Whether our heartbeats list the authors we hear directly (suspectAfterMs long enough). */
  readonly #listsHeard: boolean
  readonly #windowMs: number
  /** The authors our last heartbeat listed, and the timer that checks they are still heard. */
  #listed: string[] = []
  #cancelCheck: (() => void) | undefined
  readonly #pace: HeartbeatPace
  /** The timer of our next regular heartbeat. */
  #cancelNext: (() => void) | undefined

  constructor (components: HeartbeatServiceComponents, init: HeartbeatServiceInit) {
    this.topic = init.topic ?? HEARTBEAT_TOPIC
    this.#components = components
    this.#intervalMs = init.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS
    this.#version = init.version
    this.#announceOnSubscribe = init.announceOnSubscribe ?? true
    this.#log = components.logger.forComponent('artdag:heartbeat')
    this.#clock = components.clock ?? systemClock
    const { membership } = components
    this.#windowMs = HEARD_WINDOW_INTERVALS * this.#intervalMs
    // What a heartbeat can announce is bounded (MAX_NEXT_IN_MS): an idle interval beyond it is not taken.
    const idleIntervalMs = Math.min(init.idleIntervalMs ?? MAX_INTERVAL_STRETCH * this.#intervalMs, Math.max(this.#intervalMs, MAX_NEXT_IN_MS))
    this.#pace = new HeartbeatPace({ intervalMs: this.#intervalMs, idleIntervalMs })
    this.#listsHeard = membership.timings.suspectAfterMs >= MIN_SUSPECT_INTERVALS_TO_LIST * this.#intervalMs
    this.#channel = new ValidatedTopic<SignedHeartbeat>(components, {
      topic: this.topic,
      codec: heartbeatCodec,
      authorOf: hb => hb.peerId,
      check: hb => checkHeartbeat(hb, membership),
      isMember: peerId => membership.admits(peerId),
      onMessage: (hb, _from, source) => {
        this.#receive(hb, source)
      },
      forward: (hb, from, source) =>
        mustForward({
          author: from,
          source,
          carriesLeases: hb.leases.length > 0,
          subscribers: this.#subscribers(),
          hearingOf: peer => this.#peerHearings.get(peer),
          digestOf: this.#digestOf,
          now: this.#clock.now()
        })
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
    await this.publishNow()
  }

  async stop (): Promise<void> {
    const run = this.#run
    if (run === undefined) return
    this.#run = undefined
    this.#soon = false
    this.#cancelCheck?.()
    this.#cancelCheck = undefined
    this.#cancelNext?.()
    this.#cancelNext = undefined
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

  /**
   * Work arrived (a job or lease message, received or ours): the next heartbeats come at the
   * configured interval, and if our last one announced a longer interval, one goes out at once.
   */
  workArrived (): void {
    if (this.#pace.work(this.#clock.now())) this.publishSoon()
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
      const { heartbeat, listed, delayMs } = await this.#build()
      this.#scheduleNext(delayMs)
      membership.updateSelf(heartbeat)
      const outcome = await this.#channel.publish(heartbeat)
      metrics.heartbeatsPublished.inc({ result: outcome })
      this.#listed = listed
      this.#scheduleCheck()
    } catch (err: unknown) {
      metrics.heartbeatsPublished.inc({ result: 'error' })
      this.#log.warn({ err }, 'heartbeat not published')
      // Not built (the local state failed): try again at the configured interval.
      if (this.#cancelNext === undefined) this.#scheduleNext(this.#intervalMs)
    }
  }

  /** The next regular heartbeat, `delayMs` after this one (every heartbeat, early ones too, resets it). */
  #scheduleNext (delayMs: number): void {
    this.#cancelNext?.()
    this.#cancelNext = this.#run?.after(delayMs, () => {
      this.#cancelNext = undefined
      this.publishSoon()
    })
  }

  async #build (): Promise<{ heartbeat: SignedHeartbeat, listed: string[], delayMs: number }> {
    const { membership } = this.#components
    const state = await this.#components.localState()
    if (!this.#warnedTruncation && (state.leases.length > MAX_LEASES || state.jobs.length > MAX_JOBS)) {
      this.#warnedTruncation = true
      this.#log.warn({ leases: state.leases.length, jobs: state.jobs.length }, `heartbeat lists only the first ${MAX_LEASES} leases and ${MAX_JOBS} jobs`)
    }
    const now = this.#clock.wallNow()
    // A cluster with a node from before `nextInMs` keeps the configured pace (everyPeerAnnounces).
    const { nextInMs, delayMs } = this.#pace.next(this.#clock.now(), hasWorkInFlight(state) || !everyPeerAnnounces(membership.members()))
    const listed = this.#listsHeard ? this.#hearings.heardDirectly(this.#clock.now()) : []
    const heard = this.#listsHeard ? { heard: heardList(listed, [...this.#subscribers(), ...this.#peerHearings.keys()], this.#digestOf) } : {}
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
      jobs: state.jobs.slice(0, MAX_JOBS),
      ...heard,
      // An interval beyond what the field can carry is not announced: receivers then wait for their own.
      ...(nextInMs <= MAX_NEXT_IN_MS ? { nextInMs } : {})
    }
    return { heartbeat: { ...body, signature: await signNodeRecord(body, this.#components.privateKey) }, listed, delayMs }
  }

  #receive (heartbeat: SignedHeartbeat, source: string): void {
    const { accepted, refused } = this.#components.membership.receiveHeartbeat(heartbeat)
    this.#components.metrics.heartbeatsReceived.inc({ result: accepted ? 'accepted' : refused ?? 'stale' })
    if (!accepted) return
    // Only news counts as hearing an author: an old heartbeat gossiped again proves nothing.
    const now = this.#clock.now()
    const windowMs = this.#windowFor(heartbeat)
    this.#hearings.record(heartbeat.peerId, now, source === heartbeat.peerId, windowMs)
    this.#rememberHearing(heartbeat.peerId, heartbeat.heard, now, windowMs)
    for (const listener of this.#heartbeatListeners) {
      try {
        listener(heartbeat)
      } catch (err: unknown) {
        this.#log.error({ peer: heartbeat.peerId, err }, 'heartbeat listener failed')
      }
    }
  }

  /** The peers subscribed to the heartbeat topic. */
  #subscribers (): string[] {
    return this.#components.pubsub.getSubscribers(this.topic).map(peer => peer.toString())
  }

  readonly #digestOf = (peerId: string): string => {
    let digest = this.#digests.get(peerId)
    if (digest === undefined) {
      if (this.#digests.size >= MAX_REMEMBERED_PEERS) this.#digests.clear()
      digest = heardDigest(peerId)
      this.#digests.set(peerId, digest)
    }
    return digest
  }

  /** 1.5 of the intervals a heartbeat's author announced: how long it lists its sender as heard, and its own list counts. */
  #windowFor (heartbeat: SignedHeartbeat): number {
    return HEARD_WINDOW_INTERVALS * announcedIntervalMs(heartbeat.nextInMs, this.#intervalMs)
  }

  readonly #windowOf = (author: string): number => this.#hearings.windowOf(author) ?? this.#windowMs

  #rememberHearing (peerId: string, heard: string[] | undefined, now: number, windowMs: number): void {
    this.#peerHearings.set(peerId, { digests: heard === undefined ? undefined : new Set(heard), receivedAt: now, maxAgeMs: windowMs })
    if (this.#peerHearings.size > MAX_REMEMBERED_PEERS) {
      for (const [peer, hearing] of this.#peerHearings) if (now - hearing.receivedAt > hearing.maxAgeMs) this.#peerHearings.delete(peer)
    }
  }

  /**
   * Arms one timer for the first moment an author our last heartbeat listed would have gone
   * unheard for the window (1.5 intervals): then, if it has, we heartbeat at once without it.
   */
  #scheduleCheck (): void {
    this.#cancelCheck?.()
    this.#cancelCheck = undefined
    const run = this.#run
    if (run === undefined || this.#listed.length === 0) return
    let first = Infinity
    for (const author of this.#listed) first = Math.min(first, (this.#hearings.lastHeard(author) ?? -Infinity) + this.#windowOf(author))
    const delay = Math.max(0, first - this.#clock.now()) + 1
    this.#cancelCheck = run.after(delay, () => {
      this.#cancelCheck = undefined
      const now = this.#clock.now()
      const unheard = this.#listed.filter(author => now - (this.#hearings.lastHeard(author) ?? -Infinity) > this.#windowOf(author))
      if (unheard.length > 0) {
        this.#log.debug({ unheard }, 'authors unheard since our last heartbeat listed them: heartbeat now')
        this.#listed = this.#listed.filter(author => !unheard.includes(author))
        this.publishSoon()
      }
      this.#scheduleCheck()
    })
  }
}

/** Peers whose digest and latest `heard` list we keep at most (a cluster's members, and then some). */
const MAX_REMEMBERED_PEERS = 1024

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
