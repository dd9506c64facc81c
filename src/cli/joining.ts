import { countOf, formatAgo, formatDuration } from './format.ts'
import type { BootstrapAddress, StatusResponse, TailscaleDiscoveryStatus } from '../api/index.ts'

/**
 * Why a node is not in its cluster, for `artdag status` and `artdag peers`: a
 * line per bootstrap address that is not connected, and how to join a cluster
 * when the node has neither a peer nor a bootstrap address. Nothing when every
 * bootstrap address is connected.
 */

/** README.md's words (step 2, "Let the nodes find each other"). */
export const JOIN_HINT =
  "this node has no peer: to join a cluster, give it the cluster's swarm key (artdag init --swarm-key FILE --replace-swarm-key) and one bootstrap address, the first machine's (artdag daemon --bootstrap /ip4/100.101.102.103/tcp/4101, or node.bootstrap in config.yaml), or turn on Tailscale discovery (discovery.tailscale.enabled); or start the other nodes with this one's address (artdag id)"

/**
 * One `[label, text]` per bootstrap address that is not connected; when alone, what Tailscale
 * discovery found (while it is on), or else the join hint if there is no bootstrap address either.
 */
export function joiningLines (status: Pick<StatusResponse, 'peers' | 'bootstrap' | 'discovery'>, now: number): Array<[string, string]> {
  const bootstrap = status.bootstrap
  // A daemon older than the field says nothing of its bootstrap addresses.
  if (bootstrap === undefined) return []
  const lines = bootstrap.filter(b => !b.connected).map((b): [string, string] => ['bootstrap', notConnected(b, now)])
  if (status.peers.connected > 0) return lines
  const tailscale = status.discovery?.tailscale
  if (tailscale !== undefined) return [...lines, ['tailscale', tailscaleNote(tailscale, now)]]
  return bootstrap.length === 0 ? [['cluster', JOIN_HINT]] : lines
}

/** Why Tailscale discovery has brought no peer, from its last round (the dashboard's Cluster view says it too). */
export function tailscaleNote ({ port, lastRound }: TailscaleDiscoveryStatus, now: number): string {
  if (lastRound === null) return `discovery is on: its first round (tailscale status --json, then a dial of each online tailnet machine on port ${port}) has not ended yet`
  const when = `the last round ${formatAgo(lastRound.at, now)}`
  switch (lastRound.result) {
    case 'not_running':
      return `discovery finds no one: ${lastRound.reason ?? 'tailscale is not running'} (${when}); bring it up (tailscale up), or give this node a bootstrap address`
    case 'unavailable':
    case 'invalid':
      return `discovery finds no one: ${lastRound.reason ?? 'tailscale status --json failed'} (${when}); it tries again every round`
    case 'ok':
      if (lastRound.dialled === 0) return `discovery is on, but tailscale lists no other online machine on this tailnet (${when}): start the others, or give this node a bootstrap address`
      if (lastRound.connected === 0) {
        return `none of the ${countOf(lastRound.dialled, 'online tailnet machine')} answered as artdag on port ${port} (${when}): start artdag daemon on them, listening on port ${port} (node.listen) with this cluster's swarm key`
      }
      return `the last round connected to ${countOf(lastRound.connected, 'machine')} (${when}), and none is connected now; the next round dials again`
  }
}

function notConnected (b: BootstrapAddress, now: number): string {
  const next = b.nextAttemptAt === null ? 'dialling now' : `next attempt ${inTime(b.nextAttemptAt - now)}`
  const head = `not connected for ${formatDuration(now - b.since)}`
  if (b.lastError === null) return `${b.address}: ${head}, ${next}`
  // The dialer's message names the address ("cannot connect to ADDR: …; hint").
  const reason = b.lastError.message.includes(b.address) ? b.lastError.message : `${b.address}: ${b.lastError.message}`
  const last = now - b.lastError.at < 1000 ? 'just now' : `${formatDuration(now - b.lastError.at)} ago`
  return `${head}, ${countOf(b.failures, 'failed attempt')} (the last ${last}), ${next}: ${reason}`
}

function inTime (ms: number): string {
  return ms < 1000 ? 'in a moment' : `in ${formatDuration(ms)}`
}

/** `artdag peers` with no peer but itself: one line saying which bootstrap address fails, or that discovery found none, and where to read why. */
export function peersNote (status: Pick<StatusResponse, 'bootstrap' | 'discovery'>): string | undefined {
  const failing = (status.bootstrap ?? []).filter(b => !b.connected && b.lastError !== null)
  if (failing.length === 0) {
    return status.discovery?.tailscale?.lastRound != null ? 'no other node: Tailscale discovery has found none (artdag status says why)' : undefined
  }
  const which = failing.length === 1 ? `its bootstrap address ${failing[0]?.address ?? ''}` : `its ${failing.length} bootstrap addresses`
  return `no other node: this node cannot connect to ${which} (artdag status says why)`
}
