import { rankPeers } from '../../lease/index.ts'
import type { ScoreCache } from '../../lease/index.ts'
import type { ClusterView, PeerId } from './types.ts'

/**
 * Which nodes pin a job's final output: the top `replicas` live nodes of the
 * view that run steps (slots: a daemon, not a bare client that never pins),
 * ranked by rendezvous score for the output CID; any live node when none
 * does. Every node with the same view picks the same ones; a node that finds
 * itself among them pins.
 */
export function selectPinners (cid: string, view: ClusterView, replicas: number, scores?: ScoreCache, selfSlots = 1): PeerId[] {
  const alive = view.members.filter(m => m.state === 'alive' && m.peerId !== view.self)
  const workers = [...(selfSlots > 0 ? [view.self] : []), ...alive.filter(m => m.slots > 0).map(m => m.peerId)]
  const candidates = workers.length > 0 ? workers : [view.self, ...alive.map(m => m.peerId)]
  return rankPeers(cid, candidates, scores).slice(0, replicas)
}
