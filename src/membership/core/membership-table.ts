import { recordOf } from '../../protocol/index.ts'
import type { Heartbeat, NodeRecord } from '../../protocol/index.ts'
import { detectState, resolveTimings } from './failure-detector.ts'
import { verifyNodeRecord } from './record-signature.ts'
import { buildRegistryDocument } from './registry-document.ts'
import { SequenceCounter } from './sequence.ts'
import { DEFAULT_MAX_CLOCK_AHEAD_MS } from './types.ts'
import type { RecordVerifier } from './record-signature.ts'
import type { RegistryDocument, RegistryEntry } from './registry-document.ts'
import type { Member, MembershipEvent, MembershipTimings, RecordRefusal } from './types.ts'

export interface MembershipTableInit {
  /** This node's record; the table lists it as an `alive` member with source `self`. */
  self: NodeRecord
  now: number
  timings?: Partial<MembershipTimings> | undefined
  /**
   * Checks the signature of a record taken from a registry document. Heartbeats are checked
   * before they reach the table (the topic validator).
   *
   * @default verifyNodeRecord (the record's own peer id must have signed it)
   */
  verify?: RecordVerifier | undefined
  /**
   * A record whose `seq` or `sentAt` is further ahead of `now` is refused.
   *
   * @default DEFAULT_MAX_CLOCK_AHEAD_MS (one day)
   */
  maxClockAheadMs?: number | undefined
  /** Only these peers can be members (config `membership.allowPeers`). Undefined: any peer. */
  allowPeers?: Iterable<string> | undefined
}

export interface HeartbeatOutcome {
  /** False when the heartbeat is not newer than the last one heard from that member (a duplicate or a late copy), is our own, or is refused. */
  accepted: boolean
  events: MembershipEvent[]
  /** Why it was refused, when it was (a stale heartbeat is not refused: it is old news). */
  refused?: RecordRefusal
}

export interface RecordRefused {
  peerId: string
  reason: RecordRefusal
}

export interface RegistryMergeOutcome {
  events: MembershipEvent[]
  /** The entries not taken in, each with its reason. */
  refused: RecordRefused[]
}

/**
 * The membership table: a pure state machine merging three sources.
 * - Heartbeats are authoritative: one newer than the last heard proves the
 *   member alive now, and replaces the record unless a registry already
 *   brought a newer one.
 * - Registry documents (from IPNS) are older knowledge: unknown members enter
 *   as `suspect` and die unless a heartbeat follows; known members only take a
 *   newer record (`seq`) and a later `lastSeen`, never liveness.
 * - This node itself, always alive.
 * Every input takes `now`; transitions come back as events.
 */
export class MembershipTable {
  readonly timings: MembershipTimings
  readonly selfId: string
  readonly #members = new Map<string, Member>()
  readonly #seq = new SequenceCounter()
  readonly #self: Member
  readonly #verify: RecordVerifier
  readonly #maxAheadMs: number
  readonly #allowed: ReadonlySet<string> | undefined

  constructor (init: MembershipTableInit) {
    this.timings = resolveTimings(init.timings)
    this.selfId = init.self.peerId
    this.#verify = init.verify ?? verifyNodeRecord
    this.#maxAheadMs = init.maxClockAheadMs ?? DEFAULT_MAX_CLOCK_AHEAD_MS
    this.#allowed = init.allowPeers === undefined ? undefined : new Set(init.allowPeers)
    this.#seq.observe(init.self.seq)
    this.#self = {
      peerId: this.selfId,
      state: 'alive',
      source: 'self',
      record: init.self,
      signature: undefined,
      heartbeat: undefined,
      heardAt: init.now,
      learnedAt: init.now,
      lastSeen: init.now,
      stateSince: init.now
    }
    this.#members.set(this.selfId, this.#self)
  }

  get self (): Member {
    return { ...this.#self }
  }

  /** The next sequence number for our own heartbeat: strictly above anything used or seen. */
  nextSeq (now: number): number {
    return this.#seq.next(now)
  }

  /** Replaces our own record (after building a heartbeat) and its live state. */
  updateSelf (heartbeat: Heartbeat, now: number): void {
    const self = this.#self
    self.record = recordOf(heartbeat)
    self.signature = heartbeat.signature
    self.heartbeat = heartbeat
    self.heardAt = now
    self.lastSeen = now
    this.#seq.observe(heartbeat.seq)
  }

  /** May this peer be a member (config `membership.allowPeers`)? */
  admits (peerId: string): boolean {
    return peerId === this.selfId || this.#allowed === undefined || this.#allowed.has(peerId)
  }

  /**
   * Why a record cannot be taken in, whatever its source: its peer is not allowed, or its `seq`
   * or `sentAt` is too far ahead of our clock. Undefined when it may. (The signature is checked
   * by the caller: the topic validator for heartbeats, `mergeRegistry` for registry entries.)
   */
  refusal (record: NodeRecord, now: number): RecordRefusal | undefined {
    if (!this.admits(record.peerId)) return 'not_allowed'
    if (record.seq > now + this.#maxAheadMs || record.sentAt > now + this.#maxAheadMs) return 'future'
    return undefined
  }

  receiveHeartbeat (heartbeat: Heartbeat, now: number): HeartbeatOutcome {
    const refused = this.refusal(heartbeat, now)
    if (refused !== undefined) return { accepted: false, events: [], refused }
    if (heartbeat.peerId === this.selfId) {
      // Our own key elsewhere (an older run's message still in flight): never newer than us.
      this.#seq.observe(heartbeat.seq)
      return { accepted: false, events: [] }
    }
    const existing = this.#members.get(heartbeat.peerId)
    // Only a heartbeat newer than anything known is news of life. Gossipsub's message cache can
    // replay a member's last heartbeat after it died (to a node that just restarted, say), and
    // that record is the one the registry already holds. The cost: a live member learned from a
    // registry may stay suspect for one more heartbeat interval.
    const knownSeq = existing === undefined ? -1 : Math.max(existing.record.seq, existing.heartbeat?.seq ?? -1)
    if (heartbeat.seq <= knownSeq) {
      return { accepted: false, events: [] }
    }
    const record = recordOf(heartbeat)
    if (existing === undefined) {
      this.#members.set(record.peerId, {
        peerId: record.peerId,
        state: 'alive',
        source: 'heartbeat',
        record,
        signature: heartbeat.signature,
        heartbeat,
        heardAt: now,
        learnedAt: now,
        lastSeen: now,
        stateSince: now
      })
      return {
        accepted: true,
        events: [
          { type: 'joined', peerId: record.peerId, source: 'heartbeat', at: now },
          { type: 'alive', peerId: record.peerId, previous: undefined, at: now }
        ]
      }
    }
    if (record.seq >= existing.record.seq) {
      existing.record = record
      existing.signature = heartbeat.signature
    }
    existing.heartbeat = heartbeat
    existing.heardAt = now
    existing.lastSeen = Math.max(existing.lastSeen, now)
    existing.source = 'heartbeat'
    const events: MembershipEvent[] = []
    if (existing.state !== 'alive') {
      events.push({ type: 'alive', peerId: existing.peerId, previous: existing.state, at: now })
      existing.state = 'alive'
      existing.stateSince = now
    }
    return { accepted: true, events }
  }

  /**
   * Merges a registry document, per member: the record with the higher `seq`
   * wins, `lastSeen` takes the later value, the member set is the union.
   * A record is taken only with its own node's valid signature and a `seq`
   * within a day of our clock: nobody can make up a record for another node,
   * so nobody can raise another node's sequence (or ours). What a document
   * says of others' `lastSeen` is hearsay: it can make a member look long
   * gone, never alive. Entries unseen for `forgetAfterMs` are not taken in.
   */
  mergeRegistry (doc: RegistryDocument, now: number): RegistryMergeOutcome {
    const events: MembershipEvent[] = []
    const refused: RecordRefused[] = []
    const entries: RegistryEntry[] = [{ record: doc.self, signature: doc.selfSignature, lastSeen: doc.publishedAt }, ...doc.members]
    for (const entry of entries) {
      const { record, signature } = entry
      const existing = this.#members.get(record.peerId)
      const reason = this.refusal(record, now) ?? (this.#verified(existing, record, signature) ? undefined : 'bad_signature')
      if (reason !== undefined) {
        refused.push({ peerId: record.peerId, reason })
        continue
      }
      if (record.peerId === this.selfId) {
        // Our own earlier record, signed by us: our next heartbeat numbers above it.
        this.#seq.observe(record.seq)
        continue
      }
      // A clock ahead of ours must not keep a member from ever being forgotten.
      const lastSeen = Math.min(entry.lastSeen, now)
      if (existing === undefined) {
        if (now - lastSeen >= this.timings.forgetAfterMs) continue
        this.#members.set(record.peerId, {
          peerId: record.peerId,
          state: 'suspect',
          source: 'registry',
          record,
          signature,
          heartbeat: undefined,
          heardAt: undefined,
          learnedAt: now,
          lastSeen,
          stateSince: now
        })
        events.push(
          { type: 'joined', peerId: record.peerId, source: 'registry', at: now },
          { type: 'suspect', peerId: record.peerId, previous: undefined, at: now }
        )
        continue
      }
      if (record.seq > existing.record.seq) {
        existing.record = record
        existing.signature = signature
      }
      existing.lastSeen = Math.max(existing.lastSeen, lastSeen)
    }
    return { events, refused }
  }

  /** The signature check, skipped when the entry is the record and signature we already hold (verified when they came). */
  #verified (existing: Member | undefined, record: NodeRecord, signature: string): boolean {
    if (existing?.signature === signature && existing.record.seq === record.seq) return true
    return this.#verify(record, signature)
  }

  /** Applies the failure detector to every member and forgets the long dead. */
  tick (now: number): MembershipEvent[] {
    const events: MembershipEvent[] = []
    for (const member of this.#members.values()) {
      if (member.peerId === this.selfId) continue
      const state = detectState(member, now, this.timings)
      if (state !== member.state) {
        events.push({ type: state, peerId: member.peerId, previous: member.state, at: now })
        member.state = state
        member.stateSince = now
      }
      if (member.state === 'dead' && now - member.lastSeen >= this.timings.forgetAfterMs) {
        this.#members.delete(member.peerId)
        events.push({ type: 'forgotten', peerId: member.peerId, at: now })
      }
    }
    return events
  }

  has (peerId: string): boolean {
    return this.#members.has(peerId)
  }

  /** A member is any peer in the table, dead ones included, until it is forgotten. */
  isMember (peerId: string): boolean {
    return this.#members.has(peerId)
  }

  get (peerId: string): Member | undefined {
    const member = this.#members.get(peerId)
    return member === undefined ? undefined : { ...member }
  }

  /** Every member, this node first, then by peer id. Copies: callers cannot change the table. */
  members (): Member[] {
    const others = [...this.#members.values()]
      .filter(m => m.peerId !== this.selfId)
      .sort((a, b) => (a.peerId < b.peerId ? -1 : 1))
    return [this.#self, ...others].map(m => ({ ...m }))
  }

  /** What the registry document says about the others: newest signed record and last sighting of each. */
  registryEntries (): RegistryEntry[] {
    const out: RegistryEntry[] = []
    for (const member of this.#members.values()) {
      if (member.peerId !== this.selfId && member.signature !== undefined) out.push({ record: member.record, signature: member.signature, lastSeen: member.lastSeen })
    }
    return out
  }

  /** Our document; undefined until our own record is signed (our first heartbeat). */
  toRegistryDocument (now: number): RegistryDocument | undefined {
    const { record, signature } = this.#self
    if (signature === undefined) return undefined
    return buildRegistryDocument(record, signature, this.registryEntries(), now)
  }
}
