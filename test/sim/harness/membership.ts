import type { ClusterMember, ClusterView, MemberState } from '../../../src/jobs/core/types.ts'
import type { MembershipConfig } from './config.ts'

/**
 * A node's membership layer as the simulator models it: a peer is alive while
 * its heartbeats keep coming, suspect after `suspectAfterMs` of silence, dead
 * after `deadAfterMs`, all judged on the node's own clock. Each node derives
 * its own view, so views disagree around every change.
 */
export class SimMembership {
  readonly #self: string
  readonly #config: MembershipConfig
  readonly #peers = new Map<string, { lastHeard: number, slots: number, capabilities: string[] }>()
  #lastKey = ''

  constructor (self: string, config: MembershipConfig) {
    this.#self = self
    this.#config = config
  }

  heard (peerId: string, slots: number, capabilities: string[], now: number): void {
    this.#peers.set(peerId, { lastHeard: now, slots, capabilities })
  }

  /** The current view, and whether it differs from the one last returned. */
  view (now: number): { view: ClusterView, changed: boolean } {
    const members: ClusterMember[] = []
    for (const [peerId, p] of this.#peers) {
      const silent = now - p.lastHeard
      const state: MemberState = silent < this.#config.suspectAfterMs ? 'alive' : silent < this.#config.deadAfterMs ? 'suspect' : 'dead'
      members.push({ peerId, state, slots: p.slots, capabilities: p.capabilities })
    }
    members.sort((a, b) => (a.peerId < b.peerId ? -1 : 1))
    const key = members.map(m => `${m.peerId}:${m.state}:${m.slots}`).join(',')
    const changed = key !== this.#lastKey
    this.#lastKey = key
    return { view: { self: this.#self, members }, changed }
  }
}
