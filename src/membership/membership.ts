import { MembershipTable } from './core/membership-table.ts'
import type { HeartbeatOutcome, RegistryMergeOutcome } from './core/membership-table.ts'
import type { RegistryDocument } from './core/registry-document.ts'
import type { Member, MemberState, MembershipEvent, MembershipTimings, RecordRefusal } from './core/types.ts'
import type { MembershipMetrics } from './metrics.ts'
import { ComponentRun, systemClock } from '../lifecycle/index.ts'
import type { AbortOptions, Clock, Scheduler, Startable } from '../lifecycle/index.ts'
import type { Logger } from '../log.ts'
import type { NodeRecord, SignedHeartbeat } from '../protocol/index.ts'

/**
 * The membership table as a running component: it owns the clock and the tick
 * timer that drives the failure detector, fans events out to listeners, and
 * answers `isMember` for the topic validators. Heartbeats and registry
 * documents come in from HeartbeatService and Registry.
 */
export interface MembershipInit extends Partial<MembershipTimings> {
  /**
   * How often the failure detector runs.
   *
   * @default half of heartbeatIntervalMs, at most 1000
   */
  tickIntervalMs?: number | undefined
  /**
   * Only these peers can be members (config `membership.allowPeers`): heartbeats and registry
   * entries of others are refused. Undefined or empty: any peer holding the swarm key.
   */
  allowPeers?: string[] | undefined
  /**
   * A record (heartbeat or registry entry) whose `seq` or `sentAt` is further ahead of our wall clock is refused.
   *
   * @default DEFAULT_MAX_CLOCK_AHEAD_MS (one day)
   */
  maxClockAheadMs?: number | undefined
}

export interface MembershipComponents {
  /** This node's peer id (string form). */
  peerId: string
  /** The artdag version this node runs (goes into its record until the first heartbeat). */
  version: string
  logger: Logger
  metrics: MembershipMetrics
  /** The wall clock, milliseconds. */
  now?: (() => number) | undefined
  /** Where `now` comes from when not given: its wall clock. @default systemClock */
  clock?: Clock | undefined
  /** @default systemScheduler */
  scheduler?: Scheduler | undefined
}

export type MembershipListener = (event: MembershipEvent) => void

/** The cluster as the job coordinator sees it (structurally `ClusterView` of src/jobs/types.ts). */
export interface MembershipView {
  self: string
  members: Array<{ peerId: string, state: MemberState, slots: number, capabilities: string[] }>
}

export class Membership implements Startable {
  readonly timings: MembershipTimings
  readonly #table: MembershipTable
  readonly #now: () => number
  readonly #log: Logger
  readonly #metrics: MembershipMetrics
  readonly #listeners = new Set<MembershipListener>()
  readonly #tickIntervalMs: number
  readonly #scheduler: Scheduler | undefined
  #run: ComponentRun | undefined

  constructor (components: MembershipComponents, init: MembershipInit = {}) {
    const clock = components.clock ?? systemClock
    this.#now = components.now ?? (() => clock.wallNow())
    this.#scheduler = components.scheduler
    this.#log = components.logger.forComponent('artdag:membership')
    this.#metrics = components.metrics
    const now = this.#now()
    const { tickIntervalMs, allowPeers, maxClockAheadMs, ...timings } = init
    this.#table = new MembershipTable({
      self: initialRecord(components.peerId, components.version, now),
      now,
      timings,
      maxClockAheadMs,
      allowPeers: allowPeers === undefined || allowPeers.length === 0 ? undefined : allowPeers
    })
    this.timings = this.#table.timings
    this.#tickIntervalMs = tickIntervalMs ?? Math.min(1000, Math.max(10, Math.floor(this.timings.heartbeatIntervalMs / 2)))
  }

  get selfId (): string {
    return this.#table.selfId
  }

  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.#run !== undefined) return
    this.#run = new ComponentRun({
      name: 'membership',
      scheduler: this.#scheduler,
      onTaskError: err => {
        this.#log.error({ err }, 'membership tick failed')
      }
    })
    this.#run.every(this.#tickIntervalMs, () => {
      this.tick()
    })
  }

  async stop (): Promise<void> {
    const run = this.#run
    this.#run = undefined
    await run?.end()
  }

  /** Subscribes to membership events; returns the unsubscribe function. */
  onEvent (listener: MembershipListener): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /** A peer that has sent a valid heartbeat or is in a registry (dead members too, until forgotten). */
  isMember (peerId: string): boolean {
    return this.#table.isMember(peerId)
  }

  /** May this peer become a member (`membership.allowPeers`)? */
  admits (peerId: string): boolean {
    return this.#table.admits(peerId)
  }

  /** Why a record could not be taken in now (not allowed, too far ahead of our clock); undefined if it could. */
  refusal (record: NodeRecord): RecordRefusal | undefined {
    return this.#table.refusal(record, this.#now())
  }

  members (): Member[] {
    return this.#table.members()
  }

  get (peerId: string): Member | undefined {
    return this.#table.get(peerId)
  }

  /** Every member with its state, slots and encoders: for the scheduler. */
  view (): MembershipView {
    return {
      self: this.selfId,
      members: this.#table.members().map(m => ({
        peerId: m.peerId,
        state: m.state,
        slots: m.record.capacity.slots,
        capabilities: m.record.capabilities.encoders
      }))
    }
  }

  /** The sequence number for our next heartbeat. */
  nextSeq (): number {
    return this.#table.nextSeq(this.#now())
  }

  updateSelf (heartbeat: SignedHeartbeat): void {
    this.#table.updateSelf(heartbeat, this.#now())
  }

  /** A heartbeat the topic validator passed (its signature checked). */
  receiveHeartbeat (heartbeat: SignedHeartbeat): HeartbeatOutcome {
    const outcome = this.#table.receiveHeartbeat(heartbeat, this.#now())
    if (outcome.refused !== undefined) {
      this.#metrics.recordsRefused.inc({ source: 'heartbeat', reason: outcome.refused })
      this.#log.debug({ peer: heartbeat.peerId, reason: outcome.refused, seq: heartbeat.seq }, 'heartbeat refused')
    }
    this.#emit(outcome.events)
    return outcome
  }

  /** Merges a registry document; entries that fail the record checks are counted and logged, not taken. */
  mergeRegistry (doc: RegistryDocument): RegistryMergeOutcome {
    const outcome = this.#table.mergeRegistry(doc, this.#now())
    if (outcome.refused.length > 0) {
      const byReason: Partial<Record<RecordRefusal, string[]>> = {}
      for (const { peerId, reason } of outcome.refused) {
        this.#metrics.recordsRefused.inc({ source: 'registry', reason })
        ;(byReason[reason] ??= []).push(peerId)
      }
      // `not_allowed` is the allowlist working as configured; the rest is a broken or hostile publisher (or clock).
      const level = Object.keys(byReason).some(r => r !== 'not_allowed') ? 'warn' : 'debug'
      this.#log[level]({ publisher: doc.self.peerId, refused: byReason }, `refused ${outcome.refused.length} record(s) of a registry document`)
    }
    this.#emit(outcome.events)
    return outcome
  }

  /** Our registry document; undefined until our first heartbeat has signed our record. */
  toRegistryDocument (): RegistryDocument | undefined {
    return this.#table.toRegistryDocument(this.#now())
  }

  /** Runs the failure detector now (the timer calls it every tick). */
  tick (): MembershipEvent[] {
    const events = this.#table.tick(this.#now())
    this.#emit(events)
    return events
  }

  #emit (events: MembershipEvent[]): void {
    for (const event of events) {
      this.#metrics.transitions.inc({ event: event.type })
      if (event.type !== 'alive' || event.previous !== undefined) {
        this.#log.info({ event: event.type, peer: event.peerId, ...('previous' in event ? { previous: event.previous } : {}), ...('source' in event ? { source: event.source } : {}) }, `member ${event.type}`)
      }
      for (const listener of this.#listeners) {
        try {
          listener(event)
        } catch (err: unknown) {
          this.#log.error({ event: event.type, peer: event.peerId, err }, 'membership listener failed')
        }
      }
    }
  }
}

/** What we say about ourselves before the first heartbeat is built. */
function initialRecord (peerId: string, version: string, now: number): NodeRecord {
  return {
    peerId,
    addrs: [],
    version,
    seq: 0,
    sentAt: now,
    capacity: { slots: 0, cores: 0, freeDiskBytes: 0 },
    capabilities: { ffmpegVersion: null, encoders: [] }
  }
}
