import { createHash } from 'node:crypto'
import { HEARD_DIGEST_CHARS, MAX_HEARD } from '../../protocol/index.ts'

/**
 * Heartbeat forwarding (docs/PROTOCOL.md "Heartbeat forwarding"), pure: no I/O,
 * times passed in. In a full mesh every heartbeat reaches every node from its
 * author, and each other node forwards it again. Each heartbeat lists the authors
 * its sender heard directly (`heard`), and a relay forwards an author's
 * heartbeat only when some other peer does not list that author. Heartbeats
 * that carry leases always go on (docs/LEASES.md), as does every other topic.
 */

/**
 * How long a direct hearing lists its author, and how long a peer's list counts at a relay: in
 * heartbeat intervals, those the author (or the peer) announced in that heartbeat.
 */
export const HEARD_WINDOW_INTERVALS = 1.5

/**
 * A node lists the authors it heard directly only if its failure detector waits at least
 * this many intervals before suspecting: a peer whose direct link dies silently hears the
 * author again through a relay at most ~2 intervals after its last direct heartbeat (its
 * next heartbeat, published early, stops listing the author; the relay forwards the one
 * after). With a shorter `suspectAfterMs` it lists nothing and gets every forward, as before.
 */
export const MIN_SUSPECT_INTERVALS_TO_LIST = 2.5

const DIGEST_PREFIX = 'artdag-heard:'

/** A peer id's digest in `heard`: the first 11 characters (66 bits) of the base64url SHA-256 of `"artdag-heard:" + peerId`. */
export function heardDigest (peerId: string): string {
  return createHash('sha256').update(DIGEST_PREFIX + peerId).digest('base64url').slice(0, HEARD_DIGEST_CHARS)
}

/** When this node last heard each author: straight from the author, and by any path; and each author's window. */
export class Hearings {
  readonly #direct = new Map<string, number>()
  readonly #any = new Map<string, number>()
  readonly #windows = new Map<string, number>()

  /**
   * A heartbeat of `author` arrived at `now`; `direct` when gossipsub's propagation source was the
   * author; `windowMs`: 1.5 of the intervals it announced.
   */
  record (author: string, now: number, direct: boolean, windowMs: number): void {
    this.#any.set(author, now)
    this.#windows.set(author, windowMs)
    if (direct) this.#direct.set(author, now)
  }

  /**
   * Authors heard directly within their window, the most recently heard first, at most
   * MAX_HEARD. Drops entries four windows old.
   */
  heardDirectly (now: number): string[] {
    this.#prune(now)
    return [...this.#direct.entries()]
      .filter(([author, at]) => now - at <= this.#window(author))
      .sort((a, b) => b[1] - a[1])
      .slice(0, MAX_HEARD)
      .map(([author]) => author)
  }

  /** When `author` was last heard by any path, or undefined. */
  lastHeard (author: string): number | undefined {
    return this.#any.get(author)
  }

  /** The window its last heartbeat gave `author`, or undefined. */
  windowOf (author: string): number | undefined {
    return this.#windows.get(author)
  }

  #window (author: string): number {
    return this.#windows.get(author) ?? 0
  }

  #prune (now: number): void {
    // Keep a few windows of history: an author silent that long is gone from every list anyway.
    for (const [author, at] of this.#any) {
      if (now - at > 4 * this.#window(author)) {
        this.#any.delete(author)
        this.#direct.delete(author)
        this.#windows.delete(author)
      }
    }
  }
}

/**
 * The `heard` field for `authors` (heard directly): their digests, leaving out any digest
 * that some other peer we know (`known`) shares. A relay reading our list cannot tell
 * two peers with one digest apart, so a shared digest is never listed: a collision costs
 * forwards to us, never a heartbeat we need.
 */
export function heardList (authors: readonly string[], known: Iterable<string>, digestOf: (peerId: string) => string): string[] {
  const listed = new Set(authors)
  const taken = new Set<string>()
  for (const peer of known) if (!listed.has(peer)) taken.add(digestOf(peer))
  const out: string[] = []
  const seen = new Set<string>()
  for (const author of authors) {
    const digest = digestOf(author)
    if (taken.has(digest)) continue
    if (seen.has(digest)) {
      // Two listed authors with one digest: list neither.
      out.splice(out.indexOf(digest), 1)
      taken.add(digest)
      continue
    }
    seen.add(digest)
    out.push(digest)
  }
  return out
}

/** A peer's latest `heard` list as a relay keeps it: `undefined` digests for a node that sends none. */
export interface PeerHearing {
  digests: ReadonlySet<string> | undefined
  /** When the heartbeat carrying it arrived (the relay's monotonic clock). */
  receivedAt: number
  /** How long it counts: 1.5 of the intervals that heartbeat announced. */
  maxAgeMs: number
}

export interface ForwardQuestion {
  /** The heartbeat's author (its signed publisher). */
  author: string
  /** Gossipsub's propagation source: the peer it came from. */
  source: string
  /** The heartbeat lists leases: always forwarded (the lease protocol counts on the third node's copy). */
  carriesLeases: boolean
  /** The peers subscribed to the heartbeat topic (what gossipsub could forward to). */
  subscribers: Iterable<string>
  /** Each peer's latest `heard` list. */
  hearingOf: (peer: string) => PeerHearing | undefined
  digestOf: (peerId: string) => string
  now: number
}

/**
 * Whether a relay must forward this heartbeat: yes if it carries leases, or if any
 * subscribed peer other than the author and the source has not, in a heartbeat received
 * within that heartbeat's `maxAgeMs`, listed the author as heard directly (no list, an old list, or a list
 * without it), or if another subscribed peer shares the author's digest.
 */
export function mustForward (q: ForwardQuestion): boolean {
  if (q.carriesLeases) return true
  const digest = q.digestOf(q.author)
  const others: string[] = []
  for (const peer of q.subscribers) {
    if (peer === q.author) continue
    if (q.digestOf(peer) === digest) return true
    if (peer !== q.source) others.push(peer)
  }
  for (const peer of others) {
    const hearing = q.hearingOf(peer)
    if (hearing?.digests === undefined || q.now - hearing.receivedAt > hearing.maxAgeMs || !hearing.digests.has(digest)) return true
  }
  return false
}
