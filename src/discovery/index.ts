/**
 * Peer discovery beyond the bootstrap addresses (which src/node dials): the
 * machines of a tailnet, from `tailscale status --json`.
 */
export { TailscaleDiscovery, runTailscaleStatus } from './tailscale.ts'
export type { TailscaleDiscoveryInit, TailscaleDiscoveryComponents, DiscoveryRound, RoundResult, TailscaleDiscoveryState } from './tailscale.ts'
export { parseTailscaleStatus, tailnetDialTargets } from './tailscale-status.ts'
export type { TailscaleStatus, TailnetNode } from './tailscale-status.ts'
export { createDiscoveryMetrics } from './metrics.ts'
export type { DiscoveryMetrics } from './metrics.ts'
export { TailscaleStatusInvalidError, TailscaleUnavailableError } from './errors.ts'
export { TAILSCALE_DEFAULTS } from './tailscale.ts'
