import { describe, expect, it } from 'vitest'
import { JOIN_HINT, joiningLines, peersNote } from '../../../src/cli/joining.ts'
import type { BootstrapAddress, TailscaleDiscoveryStatus } from '../../../src/api/index.ts'

const NOW = 1_700_000_100_000
const ADDRESS = '/ip4/127.0.0.1/tcp/4101'
const HANDSHAKE = `cannot connect to ${ADDRESS}: read ECONNRESET; the encrypted handshake failed: most often the two nodes have different swarm keys (give this one the cluster's: artdag init --swarm-key FILE --replace-swarm-key)`

function entry (change: Partial<BootstrapAddress> = {}): BootstrapAddress {
  return { address: ADDRESS, connected: false, peer: null, since: NOW - 90_000, lastError: null, failures: 0, nextAttemptAt: null, ...change }
}

describe('why a node is not in its cluster, as status and peers print it', () => {
  it('adds nothing when every bootstrap address is connected, or when a node with none has peers, or for a daemon older than the field', () => {
    expect(joiningLines({ peers: { connected: 1 }, bootstrap: [entry({ connected: true, peer: '12D3KooWpeer' })] }, NOW)).toEqual([])
    expect(joiningLines({ peers: { connected: 2 }, bootstrap: [] }, NOW)).toEqual([])
    expect(joiningLines({ peers: { connected: 0 } }, NOW)).toEqual([])
    expect(peersNote({ bootstrap: [entry({ connected: true })] })).toBeUndefined()
  })

  it('says how to join a cluster when the node has no peer and no bootstrap address', () => {
    expect(joiningLines({ peers: { connected: 0 }, bootstrap: [] }, NOW)).toEqual([['cluster', JOIN_HINT]])
    expect(JOIN_HINT).toContain('artdag daemon --bootstrap')
  })

  it('gives a line per address not connected: since when, the failures, the next attempt and the dialer message with its hint', () => {
    const failing = entry({ lastError: { message: HANDSHAKE, at: NOW - 5000 }, failures: 3, nextAttemptAt: NOW + 12_000 })
    const dialling = entry({ address: '/ip4/127.0.0.1/tcp/4102', since: NOW - 2000 })
    expect(joiningLines({ peers: { connected: 0 }, bootstrap: [failing, entry({ address: '/dns4/x/tcp/1', connected: true }), dialling] }, NOW)).toEqual([
      ['bootstrap', `not connected for 1m, 3 failed attempts (the last 5s ago), next attempt in 12s: ${HANDSHAKE}`],
      ['bootstrap', '/ip4/127.0.0.1/tcp/4102: not connected for 2s, dialling now']
    ])
    expect(peersNote({ bootstrap: [failing, dialling] })).toBe(`no other node: this node cannot connect to its bootstrap address ${ADDRESS} (artdag status says why)`)
  })

  it('says what Tailscale discovery found when it is on and the node has no peer, in place of the join hint', () => {
    const round = (change: Partial<NonNullable<TailscaleDiscoveryStatus['lastRound']>>): TailscaleDiscoveryStatus => ({
      port: 4101,
      lastRound: { at: NOW - 20_000, result: 'ok', reason: null, dialled: 0, connected: 0, ...change }
    })
    const alone = (tailscale: TailscaleDiscoveryStatus): Array<[string, string]> => joiningLines({ peers: { connected: 0 }, bootstrap: [], discovery: { tailscale } }, NOW)
    expect(alone({ port: 4101, lastRound: null })).toEqual([['tailscale', expect.stringContaining('its first round (tailscale status --json, then a dial of each online tailnet machine on port 4101) has not ended yet')]])
    expect(alone(round({ result: 'not_running', reason: 'tailscale is Stopped' }))).toEqual([
      ['tailscale', 'discovery finds no one: tailscale is Stopped (the last round 20s ago); bring it up (tailscale up), or give this node a bootstrap address']
    ])
    const missing = 'tailscale status --json not found (is tailscale installed? set discovery.tailscale.command)'
    expect(alone(round({ result: 'unavailable', reason: missing }))).toEqual([['tailscale', `discovery finds no one: ${missing} (the last round 20s ago); it tries again every round`]])
    expect(alone(round({}))[0]?.[1]).toContain('tailscale lists no other online machine on this tailnet')
    expect(alone(round({ dialled: 3 }))).toEqual([
      ['tailscale', "none of the 3 online tailnet machines answered as artdag on port 4101 (the last round 20s ago): start artdag daemon on them, listening on port 4101 (node.listen) with this cluster's swarm key"]
    ])
    // With peers, nothing; with a failing bootstrap address too, both.
    expect(joiningLines({ peers: { connected: 1 }, bootstrap: [], discovery: { tailscale: round({ dialled: 3 }) } }, NOW)).toEqual([])
    const failing = entry({ lastError: { message: HANDSHAKE, at: NOW - 5000 }, failures: 1, nextAttemptAt: NOW + 2000 })
    expect(joiningLines({ peers: { connected: 0 }, bootstrap: [failing], discovery: { tailscale: round({}) } }, NOW).map(([label]) => label)).toEqual(['bootstrap', 'tailscale'])
    expect(peersNote({ bootstrap: [], discovery: { tailscale: round({ dialled: 3 }) } })).toBe('no other node: Tailscale discovery has found none (artdag status says why)')
    expect(peersNote({ bootstrap: [], discovery: { tailscale: { port: 4101, lastRound: null } } })).toBeUndefined()
  })
})
