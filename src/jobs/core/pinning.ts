import { rankPeers } from '../../lease/index.ts'
import type { ScoreCache } from '../../lease/index.ts'
import type { ClusterView, PeerId } from './types.ts'

/**
 * Which nodes pin a job's final output: the top `replicas` live nodes of the
 * view, ranked by rendezvous score for the output CID. Every node with the same
 * view picks the same ones; a node that finds itself among them pins.
 */
export function selectPinners (cid: string, view: ClusterView, replicas: number, scores?: ScoreCache): PeerId[] {
  const live = [view.self, ...view.members.filter(m => m.state === 'alive').map(m => m.peerId)]
  return rankPeers(cid, live, scores).slice(0, replicas)
}
