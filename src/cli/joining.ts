import { countOf, formatDuration } from './format.ts'
import type { BootstrapAddress, StatusResponse } from '../api/index.ts'

/**
 * Why a node is not in its cluster, for `artdag status` and `artdag peers`: a
 * line per bootstrap address that is not connected, and how to join a cluster
 * when the node has neither a peer nor a bootstrap address. Nothing when every
 * bootstrap address is connected.
 */

/** README.md's words (step 2, "Let the nodes find each other"). */
export const JOIN_HINT =
  "this node has no peer: to join a cluster, give it the cluster's swarm key (artdag init --swarm-key FILE --replace-swarm-key) and one bootstrap address, the first machine's (artdag daemon --bootstrap /ip4/100.101.102.103/tcp/4101, or node.bootstrap in config.yaml), or turn on Tailscale discovery (discovery.tailscale.enabled); or start the other nodes with this one's address (artdag id)"

/** One `[label, text]` per bootstrap address that is not connected; the join hint when alone with none. */
export function joiningLines (status: Pick<StatusResponse, 'peers' | 'bootstrap'>, now: number): Array<[string, string]> {
  const bootstrap = status.bootstrap
  // A daemon older than the field says nothing of its bootstrap addresses.
  if (bootstrap === undefined) return []
  if (bootstrap.length === 0) return status.peers.connected === 0 ? [['cluster', JOIN_HINT]] : []
  return bootstrap.filter(b => !b.connected).map(b => ['bootstrap', notConnected(b, now)])
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

/** `artdag peers` with no peer but itself: one line saying which bootstrap address fails, and where to read why. */
export function peersNote (status: Pick<StatusResponse, 'bootstrap'>): string | undefined {
  const failing = (status.bootstrap ?? []).filter(b => !b.connected && b.lastError !== null)
  if (failing.length === 0) return undefined
  const which = failing.length === 1 ? `its bootstrap address ${failing[0]?.address ?? ''}` : `its ${failing.length} bootstrap addresses`
  return `no other node: this node cannot connect to ${which} (artdag status says why)`
}
