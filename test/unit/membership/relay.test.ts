import { describe, expect, it } from 'vitest'
import { Hearings, heardDigest, heardList, mustForward } from '../../../src/membership/core/relay.ts'
import { heartbeatBodySchema } from '../../../src/protocol/messages/heartbeat.ts'
import type { ForwardQuestion, PeerHearing } from '../../../src/membership/core/relay.ts'

const X = '12D3KooWAuthorAuthorAuthorAuthorAuthorAuthorAuthorAu'
const C = '12D3KooWRelayRe1ayRe1ayRe1ayRe1ayRe1ayRe1ayRe1ayRe1'
const P = '12D3KooWPeerPeerPeerPeerPeerPeerPeerPeerPeerPeerPeer'
const Q = '12D3KooWQueueQueueQueueQueueQueueQueueQueueQueueQueu'
const WINDOW = 4500

/** The question relay C asks of X's heartbeat at t = 10 s, with P's and Q's lists as given. */
function question (hearings: Record<string, PeerHearing>, over: Partial<ForwardQuestion> = {}): ForwardQuestion {
  return {
    author: X,
    source: X,
    carriesLeases: false,
    subscribers: [X, P, Q],
    hearingOf: peer => hearings[peer],
    digestOf: heardDigest,
    now: 10_000,
    ...over
  }
}

const listing = (peers: string[], receivedAt = 9000, maxAgeMs = WINDOW): PeerHearing => ({ digests: new Set(peers.map(heardDigest)), receivedAt, maxAgeMs })

describe('heartbeat forwarding (relay core)', () => {
  it('digests are 11 base64url characters, one per peer id, and the schema takes them', () => {
    expect(heardDigest(X)).toMatch(/^[A-Za-z0-9_-]{11}$/)
    expect(heardDigest(X)).toBe(heardDigest(X))
    expect(heardDigest(X)).not.toBe(heardDigest(P))
    const heard = heartbeatBodySchema.shape.heard
    expect(heard.safeParse([heardDigest(X), heardDigest(P)]).success).toBe(true)
    expect(heard.safeParse(undefined).success).toBe(true)
    expect(heard.safeParse([X]).success).toBe(false)
    expect(heard.safeParse(Array.from({ length: 129 }, () => heardDigest(X))).success).toBe(false)
  })

  it('does not forward when every other peer heard the author directly, recently', () => {
    expect(mustForward(question({ [P]: listing([X, C]), [Q]: listing([X]) }))).toBe(false)
  })

  it('forwards when one peer does not list the author, sends no list (an older node), or listed it too long ago', () => {
    expect(mustForward(question({ [P]: listing([X]), [Q]: listing([C]) }))).toBe(true)
    expect(mustForward(question({ [P]: listing([X]), [Q]: { digests: undefined, receivedAt: 9000, maxAgeMs: WINDOW } }))).toBe(true)
    expect(mustForward(question({ [P]: listing([X]) }))).toBe(true) // no heartbeat from Q at all
    expect(mustForward(question({ [P]: listing([X]), [Q]: listing([X], 10_000 - WINDOW - 1) }))).toBe(true)
    expect(mustForward(question({ [P]: listing([X]), [Q]: listing([X], 10_000 - WINDOW) }))).toBe(false)
  })

  it("a peer's list counts for 1.5 of the intervals its heartbeat announced", () => {
    // Q announced twice the interval (nothing in flight): its list counts twice as long.
    expect(mustForward(question({ [P]: listing([X]), [Q]: listing([X], 10_000 - WINDOW - 1, 2 * WINDOW) }))).toBe(false)
    expect(mustForward(question({ [P]: listing([X]), [Q]: listing([X], 10_000 - 2 * WINDOW - 1, 2 * WINDOW) }))).toBe(true)
  })

  it('always forwards a heartbeat that carries leases', () => {
    expect(mustForward(question({ [P]: listing([X]), [Q]: listing([X]) }, { carriesLeases: true }))).toBe(true)
  })

  it('leaves out the author and the peer it came from; with nobody else, nothing to forward', () => {
    // From Q (a forwarded copy): only P's list matters.
    expect(mustForward(question({ [P]: listing([X]) }, { source: Q }))).toBe(false)
    expect(mustForward(question({ [P]: listing([]) }, { source: Q }))).toBe(true)
    expect(mustForward(question({}, { subscribers: [X] }))).toBe(false)
  })

  it('a digest shared by two peers costs a forward, never a delivery', () => {
    // A relay that sees another subscriber with the author's digest cannot tell them apart: it forwards.
    const clash = (peer: string): string => peer === Q ? heardDigest(X) : heardDigest(peer)
    expect(mustForward(question({ [P]: listing([X]), [Q]: listing([X]) }, { digestOf: clash }))).toBe(true)
    // A node leaves out of its own list a digest that a peer it knows but did not hear directly shares.
    expect(heardList([X, P], [Q], clash)).toEqual([heardDigest(P)])
    // Two listed authors with one digest: neither is listed.
    expect(heardList([X, Q, P], [], clash)).toEqual([heardDigest(P)])
    expect(heardList([X, P], [X, P, Q], heardDigest)).toEqual([heardDigest(X), heardDigest(P)])
  })

  it('lists the authors heard directly within the window, and remembers when each was heard by any path', () => {
    const hearings = new Hearings()
    hearings.record(X, 1000, true, WINDOW)
    hearings.record(P, 2000, false, WINDOW)
    hearings.record(Q, 3000, true, WINDOW)
    expect(hearings.heardDirectly(3000)).toEqual([Q, X])
    expect(hearings.heardDirectly(1000 + WINDOW + 1)).toEqual([Q])
    expect(hearings.lastHeard(P)).toBe(2000)
    // A copy through a relay is a hearing, not a direct one: it does not renew X's listing.
    hearings.record(X, 6000, false, WINDOW)
    expect(hearings.heardDirectly(6000)).toEqual([Q])
    expect(hearings.lastHeard(X)).toBe(6000)
    // Long gone authors are dropped.
    expect(hearings.heardDirectly(100_000)).toEqual([])
    expect(hearings.lastHeard(X)).toBeUndefined()
  })

  it("each author's window follows the interval its last heartbeat announced", () => {
    const hearings = new Hearings()
    hearings.record(X, 1000, true, 2 * WINDOW) // X announced twice the interval
    hearings.record(Q, 1000, true, WINDOW)
    expect(hearings.heardDirectly(1000 + WINDOW + 1)).toEqual([X])
    expect(hearings.windowOf(X)).toBe(2 * WINDOW)
    expect(hearings.heardDirectly(1000 + 2 * WINDOW + 1)).toEqual([])
    // Back to the configured interval: the next heartbeat narrows the window again.
    hearings.record(X, 20_000, true, WINDOW)
    expect(hearings.heardDirectly(20_000 + WINDOW + 1)).toEqual([])
  })
})
