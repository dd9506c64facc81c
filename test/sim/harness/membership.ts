import { MembershipTable } from '../../../src/membership/core/membership-table.ts'
import type { ClusterMember, ClusterView, HeartbeatSummary } from '../../../src/jobs/core/types.ts'
import type { Heartbeat } from '../../../src/protocol/messages/heartbeat.ts'
import type { MembershipConfig } from './config.ts'

/**
 * A node's membership as the daemon keeps it: the daemon's own MembershipTable
 * (src/membership/core) fed with heartbeats, judged on the node's own clock,
 * and turned into the scheduler's view the way src/membership/membership.ts
 * does. Each node derives its own view, so views disagree around every change.
 */
export class SimMembership {
  readonly #table: MembershipTable
  readonly #self: string
  #lastKey = ''

  constructor (self: { peerId: string, slots: number, capabilities: string[] }, config: MembershipConfig, now: number) {
    this.#self = self.peerId
    this.#table = new MembershipTable({
      self: heartbeatOf(self.peerId, self.slots, self.capabilities, 1, now, { leases: [], jobs: [] }),
      now,
      timings: { heartbeatIntervalMs: config.heartbeatMs, suspectAfterMs: config.suspectAfterMs, deadAfterMs: config.deadAfterMs }
    })
  }

  heard (heartbeat: Heartbeat, now: number): void {
    this.#table.receiveHeartbeat(heartbeat, now)
  }

  nextSeq (now: number): number {
    return this.#table.nextSeq(now)
  }

  /** The current view, and whether it differs from the one last returned. */
  view (now: number): { view: ClusterView, changed: boolean } {
    this.#table.tick(now)
    const members: ClusterMember[] = this.#table.members().map(m => ({
      peerId: m.peerId,
      state: m.state,
      slots: m.record.capacity.slots,
      capabilities: m.record.capabilities.encoders
    }))
    members.sort((a, b) => (a.peerId < b.peerId ? -1 : 1))
    const key = members.map(m => `${m.peerId}:${m.state}:${m.slots}`).join(',')
    const changed = key !== this.#lastKey
    this.#lastKey = key
    return { view: { self: this.#self, members }, changed }
  }

  alive (now: number): string[] {
    this.#table.tick(now)
    return this.#table.members().filter(m => m.state === 'alive' && m.peerId !== this.#self).map(m => m.peerId)
  }
}

/** A schema-valid heartbeat, as HeartbeatService builds it (the wire check round-trips it). */
export function heartbeatOf (peerId: string, slots: number, capabilities: string[], seq: number, now: number, summary: HeartbeatSummary): Heartbeat {
  return {
    v: 1,
    type: 'heartbeat',
    peerId,
    addrs: [],
    version: 'sim',
    seq,
    sentAt: Math.max(0, Math.round(now)),
    capacity: { slots, cores: slots, freeDiskBytes: 1e9 },
    capabilities: { ffmpegVersion: 'sim', encoders: capabilities },
    load: { runningSteps: 0, loadAverage: 0 },
    leases: summary.leases,
    jobs: summary.jobs
  }
}
