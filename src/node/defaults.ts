import { DEFAULT_CACHE_RECORD_TIMEOUT_MS, DEFAULT_REPUBLISH_INTERVAL_MS } from '../store/light/index.ts'

/*
 * The node's named defaults and its config sections' defaults, apart from the
 * modules that use them: those load libp2p, and this folder's index (which the
 * CLI's in-process commands import for the home) must not.
 */

export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/4101']
export const DEFAULT_DIAL_TIMEOUT_MS = 10_000

/**
 * Our private Kademlia DHT. It runs on its own protocol id, so it is a
 * separate network from the public IPFS DHT even if a public peer got in.
 */
export const DEFAULT_KAD_PROTOCOL = '/artdag/kad/1.0.0'

/** The `node:` config section's defaults (config/default.yaml is checked against them). */
export const NODE_DEFAULTS = {
  listen: DEFAULT_LISTEN,
  announce: [] as string[],
  bootstrap: [] as string[],
  dialFrom: null as string | null,
  dialTimeoutMs: DEFAULT_DIAL_TIMEOUT_MS,
  allowPeers: [] as string[]
}

/** The `dht:` config section's defaults (config/default.yaml is checked against them). */
export const DHT_DEFAULTS = {
  protocol: DEFAULT_KAD_PROTOCOL,
  queryTimeoutMs: DEFAULT_CACHE_RECORD_TIMEOUT_MS,
  republishIntervalMs: DEFAULT_REPUBLISH_INTERVAL_MS
}
