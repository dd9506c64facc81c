import { compareClaims } from './claim-order.ts'
import { ScoreCache } from './rendezvous.ts'
import type { PeerId } from './rendezvous.ts'
import { MAX_EPOCH_JUMP } from './options.ts'
import type { LeaseOptions } from './options.ts'

/**
 * One node's view of every step lease, keyed by cache id. The table keeps, per
 * cache id, the best claim it has seen (under the claim order) and whether that
 * claim was released; the best claim over the same set of messages is the same
 * on every node, so tables converge once messages arrive. Expiry is judged only
 * on this node's clock, from when it last heard the holder, and never while it
 * was not listening (just started, restored, or paused). No holder keeps a
 * step longer than `maxHoldMs` however often it renews: past that, its lease
 * counts as lapsed and its further claims for the step are ignored here.
 */
export interface LeaseRef {
  holder: PeerId
  epoch: number
}

interface BestClaim extends LeaseRef {
  score: number
  /** Local time this claim was last heard (claim, renew or heartbeat). */
  heardAt: number
  /** Local time this claim was first heard: how long its holder has held it. */
  since: number
  released: boolean
}

interface Entry {
  maxEpoch: number
  best: BestClaim | undefined
  /** Claims heard at the current epoch, competing ones included. */
  claimsSeen: number
  /** The last claims heard for the cache id (`holder@epoch`): evidence a result's author held a lease. */
  claims: string[]
  /** Since when (local time) one holder has held the cache id without a break, through its re-claims. */
  holding: { holder: PeerId, since: number } | undefined
  /** Holders that kept the cache id past maxHoldMs: their claims for it are ignored from then on. */
  barred: Set<PeerId> | undefined
  touchedAt: number
}

/** Claims remembered per cache id as evidence for results. */
const CLAIMS_KEPT = 32

export type LeaseStatus =
  | { state: 'free', maxEpoch: number, lastHolder: PeerId | undefined }
  | { state: 'held', holder: PeerId, epoch: number, maxEpoch: number, lapsesAt: number, since: number }
  /** `overheld`: renewed, but held past maxHoldMs; otherwise the holder went silent. */
  | { state: 'lapsed', holder: PeerId, epoch: number, maxEpoch: number, lapsedAt: number, overheld: boolean }

export type ObserveOutcome =
  /** The claim is now the best one; `displaced` is the unreleased claim it beat, if any. */
  | { kind: 'took', displaced: LeaseRef | undefined }
  /** The same claim again (a renew): its holder was heard now. */
  | { kind: 'renewed' }
  /** A claim from an older epoch, or one that loses to the current best: ignored. */
  | { kind: 'lost', current: LeaseRef | undefined }
  /** The claim was already released: a late copy. */
  | { kind: 'released' }
  /** The epoch is implausibly far above every epoch known for the cache id (MAX_EPOCH_JUMP): refused. */
  | { kind: 'rejected' }
  /** The holder kept this cache id past maxHoldMs before: its claims for it are ignored. */
  | { kind: 'barred', current: LeaseRef | undefined }

export type ReleaseOutcome =
  | { kind: 'released', displaced: LeaseRef | undefined }
  | { kind: 'ignored' }
  | { kind: 'rejected' }

export class LeaseTable {
  readonly #self: PeerId
  readonly #options: LeaseOptions
  readonly #scores: ScoreCache
  readonly #entries = new Map<string, Entry>()
  #listeningSince = Number.NEGATIVE_INFINITY

  constructor (self: PeerId, options: LeaseOptions, scores: ScoreCache = new ScoreCache()) {
    this.#self = self
    this.#options = options
    this.#scores = scores
  }

  /** From now on expiry is judged as if every lease had been heard at `now`. */
  startListening (now: number): void {
    this.#listeningSince = now
  }

  /**
   * A claim or a renew (or a heartbeat entry) from `holder`. `hearsay`: another
   * node reports the claim. A claim first learned that way gets a full ttl to
   * be renewed by its holder (it may well be alive), but hearsay never renews
   * a claim: gossip cannot keep a dead holder's lease alive.
   */
  observe (cacheId: string, holder: PeerId, epoch: number, now: number, hearsay = false): ObserveOutcome {
    if (!this.plausible(cacheId, epoch)) return { kind: 'rejected' }
    const entry = this.#entry(cacheId, now)
    this.#judgeHold(entry, now)
    if (entry.barred?.has(holder) === true) return { kind: 'barred', current: liveRef(entry.best) }
    if (!hearsay) remember(entry, holder, epoch)
    const claim: BestClaim = { holder, epoch, score: this.#scores.score(cacheId, holder), heardAt: now, since: now, released: false }
    if (epoch < entry.maxEpoch) return { kind: 'lost', current: liveRef(entry.best) }
    const best = entry.best
    if (best === undefined || epoch > best.epoch) {
      const displaced = liveRef(best)
      entry.best = claim
      entry.maxEpoch = epoch
      entry.claimsSeen = 1
      hold(entry, claim, now)
      return { kind: 'took', displaced }
    }
    entry.claimsSeen += 1
    const order = compareClaims(claim, best)
    if (order === 0) {
      if (best.released) return { kind: 'released' }
      if (!hearsay) best.heardAt = now
      return { kind: 'renewed' }
    }
    if (order < 0) return { kind: 'lost', current: liveRef(best) }
    entry.best = claim
    hold(entry, claim, now)
    return { kind: 'took', displaced: liveRef(best) }
  }

  /**
   * A claim heard for a cache id whose result is known already: it changes no
   * lease, but its holder did claim, so a result it reports counts as a vote.
   */
  witness (cacheId: string, holder: PeerId, epoch: number, now: number): void {
    if (this.plausible(cacheId, epoch)) remember(this.#entry(cacheId, now), holder, epoch)
  }

  /** A release, a completion or a failure report ends `holder`'s lease at `epoch`. */
  release (cacheId: string, holder: PeerId, epoch: number, now: number): ReleaseOutcome {
    if (!this.plausible(cacheId, epoch)) return { kind: 'rejected' }
    const entry = this.#entry(cacheId, now)
    if (epoch < entry.maxEpoch) return { kind: 'ignored' }
    const released: BestClaim = { holder, epoch, score: this.#scores.score(cacheId, holder), heardAt: now, since: now, released: true }
    const best = entry.best
    if (best === undefined || epoch > best.epoch) {
      entry.best = released
      entry.maxEpoch = epoch
      entry.claimsSeen = 0
      entry.holding = undefined
      return { kind: 'released', displaced: liveRef(best) }
    }
    const order = compareClaims(released, best)
    if (order === 0) {
      if (best.released) return { kind: 'ignored' }
      best.released = true
      entry.holding = undefined
      return { kind: 'released', displaced: undefined }
    }
    if (order < 0) return { kind: 'ignored' }
    // A better claim than the one we knew existed in this epoch; it ends now.
    entry.best = released
    entry.holding = undefined
    return { kind: 'released', displaced: liveRef(best) }
  }

  status (cacheId: string, now: number): LeaseStatus {
    const entry = this.#entries.get(cacheId)
    const best = entry?.best
    if (entry === undefined || best === undefined || best.released) {
      return { state: 'free', maxEpoch: entry?.maxEpoch ?? 0, lastHolder: best?.holder }
    }
    if (best.holder === this.#self) {
      return { state: 'held', holder: best.holder, epoch: best.epoch, maxEpoch: entry.maxEpoch, lapsesAt: Number.POSITIVE_INFINITY, since: best.since }
    }
    const silentAt = Math.max(best.heardAt, this.#listeningSince) + this.#options.ttlMs
    const overheldAt = this.#overheldAt(entry)
    const lapsesAt = Math.min(silentAt, overheldAt)
    if (now >= lapsesAt) {
      const overheld = this.#judgeHold(entry, now)
      return { state: 'lapsed', holder: best.holder, epoch: best.epoch, maxEpoch: entry.maxEpoch, lapsedAt: lapsesAt, overheld }
    }
    return { state: 'held', holder: best.holder, epoch: best.epoch, maxEpoch: entry.maxEpoch, lapsesAt, since: best.since }
  }

  /** Whether this node ignores `holder`'s claims for the cache id: it held it past maxHoldMs. */
  barred (cacheId: string, holder: PeerId): boolean {
    return this.#entries.get(cacheId)?.barred?.has(holder) === true
  }

  /** When the current holder's unbroken hold passes maxHoldMs (never for this node's own lease). */
  #overheldAt (entry: Entry): number {
    const holding = entry.holding
    if (holding === undefined || holding.holder === this.#self) return Number.POSITIVE_INFINITY
    // A node that was not listening cannot say how long the hold has lasted.
    return Math.max(holding.since, this.#listeningSince) + this.#options.maxHoldMs
  }

  /** Bars the current holder once it has held past maxHoldMs; true when it is barred. */
  #judgeHold (entry: Entry, now: number): boolean {
    const holding = entry.holding
    if (holding === undefined || now < this.#overheldAt(entry)) return false
    entry.barred ??= new Set()
    entry.barred.add(holding.holder)
    return true
  }

  /** The unreleased, unlapsed holder, if any, and since when this node has known its claim. */
  holder (cacheId: string, now: number): (LeaseRef & { since: number }) | undefined {
    const s = this.status(cacheId, now)
    return s.state === 'held' ? { holder: s.holder, epoch: s.epoch, since: s.since } : undefined
  }

  /** The best claim known for a cache id, released or not. */
  best (cacheId: string): (LeaseRef & { released: boolean }) | undefined {
    const best = this.#entries.get(cacheId)?.best
    return best === undefined ? undefined : { holder: best.holder, epoch: best.epoch, released: best.released }
  }

  /** Whether this node heard `holder` claim (or renew) the cache id at `epoch`: it held that lease. */
  claimed (cacheId: string, holder: PeerId, epoch: number): boolean {
    return this.#entries.get(cacheId)?.claims.includes(`${holder}@${epoch}`) === true
  }

  /** An epoch an honest node could have used: not more than MAX_EPOCH_JUMP above the highest known. */
  plausible (cacheId: string, epoch: number): boolean {
    return epoch <= this.maxEpoch(cacheId) + MAX_EPOCH_JUMP
  }

  maxEpoch (cacheId: string): number {
    return this.#entries.get(cacheId)?.maxEpoch ?? 0
  }

  claimsSeen (cacheId: string): number {
    return this.#entries.get(cacheId)?.claimsSeen ?? 0
  }

  /**
   * How many valid leases each peer holds: what every node subtracts from a
   * peer's slots. `counts` leaves out cache ids known to be settled already.
   */
  heldCounts (now: number, counts: (cacheId: string) => boolean = () => true): Map<PeerId, number> {
    const held = new Map<PeerId, number>()
    for (const cacheId of this.#entries.keys()) {
      if (!counts(cacheId)) continue
      const s = this.status(cacheId, now)
      if (s.state === 'held') held.set(s.holder, (held.get(s.holder) ?? 0) + 1)
    }
    return held
  }

  /** This node's own unreleased leases. */
  heldBySelf (): Array<{ cacheId: string, epoch: number }> {
    const out: Array<{ cacheId: string, epoch: number }> = []
    for (const [cacheId, entry] of this.#entries) {
      const best = entry.best
      if (best !== undefined && !best.released && best.holder === this.#self) out.push({ cacheId, epoch: best.epoch })
    }
    return out
  }

  /** Epochs only ever grow: a restarted node carries them over in its snapshot. */
  epochs (): Array<[string, number]> {
    const out: Array<[string, number]> = []
    for (const [cacheId, entry] of this.#entries) if (entry.maxEpoch > 0) out.push([cacheId, entry.maxEpoch])
    return out
  }

  restoreEpoch (cacheId: string, epoch: number, now: number): void {
    const entry = this.#entry(cacheId, now)
    if (epoch > entry.maxEpoch) entry.maxEpoch = epoch
  }

  /** Drops entries nobody needs any more and nobody mentioned for `idleMs`. */
  prune (keep: (cacheId: string) => boolean, now: number, idleMs: number): void {
    for (const [cacheId, entry] of this.#entries) {
      if (now - entry.touchedAt < idleMs || keep(cacheId)) continue
      if (entry.best !== undefined && !entry.best.released && entry.best.holder === this.#self) continue
      this.#entries.delete(cacheId)
    }
  }

  get size (): number {
    return this.#entries.size
  }

  #entry (cacheId: string, now: number): Entry {
    let entry = this.#entries.get(cacheId)
    if (entry === undefined) {
      entry = { maxEpoch: 0, best: undefined, claimsSeen: 0, claims: [], holding: undefined, barred: undefined, touchedAt: now }
      this.#entries.set(cacheId, entry)
    }
    entry.touchedAt = now
    return entry
  }
}

function remember (entry: Entry, holder: PeerId, epoch: number): void {
  const key = `${holder}@${epoch}`
  if (entry.claims.includes(key)) return
  entry.claims.push(key)
  if (entry.claims.length > CLAIMS_KEPT) entry.claims.shift()
}

/** A new best claim: the hold goes on if its holder already held the cache id (a re-claim), else starts now. */
function hold (entry: Entry, claim: BestClaim, now: number): void {
  if (entry.holding?.holder !== claim.holder) entry.holding = { holder: claim.holder, since: now }
}

function liveRef (claim: BestClaim | undefined): LeaseRef | undefined {
  return claim === undefined || claim.released ? undefined : { holder: claim.holder, epoch: claim.epoch }
}
