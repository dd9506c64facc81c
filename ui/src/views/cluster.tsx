import type { ApiEvent, BootstrapAddress, PeerEntry } from '../../../src/api/schemas.ts'
import { tailscaleNote } from '../../../src/cli/joining.ts'
import { call } from '../api.ts'
import { ago, duration, short } from '../format.ts'
import { useEvents, useLiveData, useNow } from '../live.ts'
import { ErrorNote } from './parts.tsx'

/**
 * Every node with its liveness: reloaded when a member changes state, patched
 * in place from each heartbeat event (last heard, running steps, load).
 */

const isMemberEvent = (e: ApiEvent): boolean => e.type.startsWith('member.')

function patchHeartbeat (peers: PeerEntry[] | undefined, event: ApiEvent): PeerEntry[] | undefined {
  if (peers === undefined) return peers
  const e = event as ApiEvent & { running?: number, slots?: number, loadAverage?: number }
  return peers.map(p => p.peer !== e.peer
    ? p
    : {
        ...p,
        lastSeen: e.time,
        load: { ...p.load, running: e.running ?? p.load?.running ?? 0, ...(e.loadAverage !== undefined ? { loadAverage: e.loadAverage } : {}) },
        capacity: e.slots !== undefined ? { ...p.capacity, slots: e.slots } : p.capacity
      })
}

export function ClusterView () {
  const now = useNow()
  const { data, error, setData } = useLiveData(async signal => (await call('peers', { signal })).peers, isMemberEvent, [])
  useHeartbeats(event => { setData(peers => patchHeartbeat(peers, event)) })
  const counts = { alive: 0, suspect: 0, dead: 0 }
  for (const p of data ?? []) counts[p.state]++
  return (
    <section aria-labelledby="cluster-title">
      <h1 id="cluster-title">Cluster</h1>
      <p class="summary" data-testid="cluster-summary">{data === undefined ? 'loading…' : `${data.length} nodes: ${counts.alive} alive, ${counts.suspect} suspect, ${counts.dead} dead`}</p>
      <ErrorNote error={error} />
      <BootstrapNote now={now} />
      <div class="table-wrap">
        <table class="nodes">
          <thead>
            <tr><th scope="col">Node</th><th scope="col">State</th><th scope="col">Slots</th><th scope="col">Load</th><th scope="col">ffmpeg</th><th scope="col">artdag</th><th scope="col">Last heartbeat</th></tr>
          </thead>
          <tbody>
            {(data ?? []).map(peer => <NodeRow key={peer.peer} peer={peer} now={now} />)}
          </tbody>
        </table>
      </div>
    </section>
  )
}

/**
 * The bootstrap addresses this node cannot reach, and why, and, with no peer and Tailscale
 * discovery on, what discovery found (`GET /v1/status`); nothing when all is connected.
 */
function BootstrapNote ({ now }: { now: number }) {
  const { data } = useLiveData(async signal => await call('status', { signal }), isMemberEvent, [])
  const failing = (data?.bootstrap ?? []).filter((b: BootstrapAddress) => !b.connected)
  const tailscale = data !== undefined && data.peers.connected === 0 ? data.discovery?.tailscale : undefined
  if (failing.length === 0 && tailscale === undefined) return null
  return (
    <div class="error" role="alert" data-testid="bootstrap-failing">
      {failing.map(b => (
        <p key={b.address}>
          Not connected to bootstrap address <code>{b.address}</code> for {duration(now - b.since)}
          {b.lastError !== null ? `: ${b.lastError.message}` : ' (dialling)'}
        </p>
      ))}
      {tailscale !== undefined && <p data-testid="tailscale-note">Tailscale: {tailscaleNote(tailscale, now)}</p>}
    </div>
  )
}

function NodeRow ({ peer, now }: { peer: PeerEntry, now: number }) {
  const slots = peer.capacity?.slots
  const running = peer.load?.running ?? 0
  const loadAverage = (peer.load as { loadAverage?: number } | null)?.loadAverage
  const encoders = peer.capabilities.encoders
  return (
    <tr data-peer={peer.peer} data-state={peer.state}>
      <th scope="row" data-label="Node">
        <code title={peer.peer}>{short(peer.peer, 8)}</code>
        {peer.self && <span class="badge self">this node</span>}
      </th>
      <td data-label="State">
        <span class={`state state-${peer.state}`}>{peer.state}</span>
        <span class="muted" title={new Date(peer.since).toISOString()}> since {ago(peer.since, now)}</span>
      </td>
      <td data-label="Slots">{slots === undefined ? '–' : `${running} used, ${Math.max(0, slots - running)} free`}</td>
      <td data-label="Load">{loadAverage === undefined ? '–' : loadAverage.toFixed(2)}</td>
      <td data-label="ffmpeg">
        {peer.capabilities.ffmpegVersion ?? <span class="muted">none</span>}
        {encoders.length > 0 && <div class="muted small">{encoders.join(', ')}</div>}
      </td>
      <td data-label="artdag">{peer.version}</td>
      <td data-label="Last heartbeat" title={peer.lastSeen === null ? '' : new Date(peer.lastSeen).toISOString()}>{peer.self ? 'this node' : ago(peer.lastSeen, now)}</td>
    </tr>
  )
}


function useHeartbeats (handler: (event: ApiEvent) => void): void {
  useEvents(e => e.type === 'heartbeat', handler)
}
