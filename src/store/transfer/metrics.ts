import { scrapedCounter } from '../../metrics.ts'
import type { Registry } from 'prom-client'
import type { TransferStats } from './content-transfer.ts'

type Read = (stats: TransferStats) => number

/** The transfer protocol's counters as Prometheus metrics, read from its stats at scrape time. */
const EXPORTED: ReadonlyArray<[string, string, Read]> = [
  ['artdag_bytes_fetched_total', 'Verified bytes this node fetched from peers over /artdag/fetch', s => s.bytes],
  ['artdag_blocks_fetched_total', 'Verified blocks this node fetched from peers over /artdag/fetch', s => s.blocks],
  ['artdag_fetches_total', 'Fetches the transfer protocol completed', s => s.fetched],
  ['artdag_fetch_fallbacks_total', 'Fetches (or their rest) left to bitswap because no peer could serve them', s => s.fellBack],
  ['artdag_fetch_peer_failures_total', 'Peers that broke the protocol, sent a corrupt block, stalled or failed mid-transfer', s => s.peerFailures],
  ['artdag_bytes_served_total', 'Bytes this node served to peers over /artdag/fetch', s => s.serve.bytes],
  ['artdag_fetch_requests_served_total', 'Fetch requests this node served in full', s => s.serve.served],
  ['artdag_fetch_requests_refused_total', 'Fetch requests this node refused: content not here, or too busy', s => s.serve.notHere + s.serve.busy]
]

export function registerTransferMetrics (registry: Registry, read: () => TransferStats): void {
  for (const [name, help, pick] of EXPORTED) scrapedCounter(registry, name, help, () => pick(read()))
}
