import type { NodeStatus, PeerEntry, PeersBackend, RunningStep, SystemBackend, TailscaleDiscoveryStatus } from '../api/index.ts'
import type { Member, Membership } from '../membership/index.ts'
import type { ArtdagNode } from '../node/index.ts'

export interface SystemBackendComponents {
  node: Pick<ArtdagNode, 'peerId' | 'multiaddrs' | 'libp2p' | 'bootstrapState'>
  membership: Membership
  version: string
  startedAt: number
  slots: number
  ffmpeg: () => { path: string, version: string } | null
  /** Steps running on this node and jobs by state, from the job service. */
  work: () => { steps: RunningStep[], jobs: NodeStatus['jobs'] }
  /** Tailscale discovery's last round, when it is on. */
  tailscale?: { state: () => TailscaleDiscoveryStatus } | undefined
}

/** `GET /v1/id` and `GET /v1/status` over the running node. */
export function systemBackend (c: SystemBackendComponents): SystemBackend {
  return {
    async identity () {
      return { peer: c.node.peerId.toString(), addresses: c.node.multiaddrs().map(String), version: c.version }
    },
    async status () {
      const members = c.membership.members().filter(m => m.source !== 'self')
      const count = (state: Member['state']): number => members.filter(m => m.state === state).length
      const work = c.work()
      return {
        peer: c.node.peerId.toString(),
        version: c.version,
        startedAt: c.startedAt,
        peers: { connected: c.node.libp2p.getPeers().length },
        membership: { alive: count('alive'), suspect: count('suspect'), dead: count('dead') },
        slots: { total: c.slots, busy: work.steps.length },
        steps: work.steps.map(({ cacheId, type, jobId, startedAt, progress }) => ({ cacheId, type, job: jobId, startedAt, progress })),
        jobs: work.jobs,
        ffmpeg: c.ffmpeg(),
        executors: executorBuilds(c.membership.members()),
        bootstrap: c.node.bootstrapState(),
        ...(c.tailscale !== undefined ? { discovery: { tailscale: c.tailscale.state() } } : {})
      }
    }
  }
}

/** The live members that run steps, grouped by ffmpeg build and thread setting (docs/LEASES.md, results that differ). */
export function executorBuilds (members: readonly Member[]): NodeStatus['executors'] {
  const builds = new Map<string, { ffmpegVersion: string, threads: number, peers: string[] }>()
  for (const m of members) {
    const { ffmpegVersion, threads } = m.record.capabilities
    if (m.state !== 'alive' || ffmpegVersion === null || m.record.capacity.slots === 0) continue
    const key = `${ffmpegVersion}\u0000${threads ?? 0}`
    const build = builds.get(key) ?? { ffmpegVersion, threads: threads ?? 0, peers: [] }
    build.peers.push(m.peerId)
    builds.set(key, build)
  }
  const list = [...builds.values()].sort((a, b) => b.peers.length - a.peers.length || a.ffmpegVersion.localeCompare(b.ffmpegVersion))
  return { builds: list, split: list.length > 1 }
}

function entryOf (member: Member): PeerEntry {
  const hb = member.heartbeat
  return {
    peer: member.peerId,
    state: member.state,
    lastSeen: member.source === 'self' ? Date.now() : member.heardAt ?? null,
    addresses: member.record.addrs,
    capacity: hb != null ? { ...hb.capacity } : null,
    load: hb != null ? { running: hb.load.runningSteps, loadAverage: hb.load.loadAverage, steps: hb.load.steps ?? [] } : null,
    source: member.source === 'registry' ? 'registry' : 'heartbeat',
    self: member.source === 'self',
    since: member.stateSince,
    version: member.record.version,
    capabilities: { ffmpegVersion: member.record.capabilities.ffmpegVersion, encoders: [...member.record.capabilities.encoders] }
  }
}

/** `GET /v1/peers`: the registry with liveness, this node first. */
export function peersBackend (membership: Membership): PeersBackend {
  return {
    async peers () {
      return membership.members()
        .map(entryOf)
        .sort((a, b) => Number(b.self) - Number(a.self) || a.peer.localeCompare(b.peer))
    }
  }
}
