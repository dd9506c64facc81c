import { rankPeers } from '../../lease/index.ts'
import type { ScoreCache } from '../../lease/index.ts'
import type { ClusterView, PeerId } from './types.ts'

const NO_HOLDERS: ReadonlySet<PeerId> = new Set()

/**
 * Which nodes pin a job's final output: the top `replicas` live nodes of the
 * view that run steps (slots: a daemon, not a bare client that never pins),
 * ranked by rendezvous score for the output CID; any live node when none
 * does. `holders` (the members that attested the output: they made it, or
 * found it in their own index) come first, in rank order: they pin what they
 * hold, where any other pinner fetches it first. Every node with the same view
 * and the same attesters picks the same ones; a node that finds itself among
 * them pins.
 */
export function selectPinners (cid: string, view: ClusterView, replicas: number, scores?: ScoreCache, selfSlots = 1, holders: ReadonlySet<PeerId> = NO_HOLDERS): PeerId[] {
  const alive = view.members.filter(m => m.state === 'alive' && m.peerId !== view.self)
  const workers = [...(selfSlots > 0 ? [view.self] : []), ...alive.filter(m => m.slots > 0).map(m => m.peerId)]
  const candidates = workers.length > 0 ? workers : [view.self, ...alive.map(m => m.peerId)]
  const ranked = rankPeers(cid, candidates, scores)
  if (holders.size === 0) return ranked.slice(0, replicas)
  return [...ranked.filter(peer => holders.has(peer)), ...ranked.filter(peer => !holders.has(peer))].slice(0, replicas)
}
