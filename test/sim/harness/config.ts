import type { CoordinatorInit } from '../../../src/jobs/core/options.ts'
import type { JobSpec } from '../../../src/jobs/core/types.ts'

/** Everything a simulated run is made of; a scenario builds one from a seed. */
export interface NodeConfig {
  slots: number
  capabilities: string[]
  /** Local clock = offset + simTime × (1 + drift). */
  clockOffsetMs: number
  drift: number
}

export interface NetworkConfig {
  /** Most deliveries take a uniform delay in [minDelayMs, maxDelayMs]. */
  minDelayMs: number
  maxDelayMs: number
  /** Some take longer: uniform in [maxDelayMs, tailMaxMs]. */
  tailProb: number
  tailMaxMs: number
  loss: number
  /**
   * Bursty loss (a Gilbert–Elliott channel per directed link): a link enters a
   * bad state with `enter` per message, leaves it with `exit`, and loses
   * `loss` of the messages while bad.
   */
  burst?: { enter: number, exit: number, loss: number }
  /** A second copy, delivered later. */
  dup: number
  /** Before this time (the mesh is forming) messages are lost with `startupLoss`. */
  startupUntilMs: number
  startupLoss: number
}

export interface MembershipConfig {
  /**
   * `oracle`: every node gets the same true view at once. `heartbeat`: each
   * node derives its own from heartbeats, with the daemon's membership table.
   * `solo`: each node sees only itself (the worst disagreement).
   */
  mode: 'oracle' | 'heartbeat' | 'solo'
  heartbeatMs: number
  suspectAfterMs: number
  deadAfterMs: number
}

export type Fault =
  /**
   * `node: -1` crashes a node that is running a step at that moment (retried
   * until one is). `stale`: it restarts from an older snapshot than its last.
   * `afterClaim`: the node is killed while it publishes its next claim from
   * `at` on: the claim never leaves the process, but its snapshot holds it.
   * `afterResult`: the node is killed right after it publishes the result of
   * its next run from `at` on: the result leaves, nobody has its output yet.
   */
  | { kind: 'crash', at: number, node: number, downForMs: number, stale?: boolean, afterClaim?: boolean, afterResult?: boolean }
  | { kind: 'pause', at: number, node: number, forMs: number }
  /**
   * Messages between groups are lost; `oneWay`: only those from the first
   * group to the others (the others still reach the first group).
   * `whenRunning`: it starts only once one of these nodes runs a step (polled).
   */
  | { kind: 'partition', at: number, groups: number[][], forMs: number, oneWay?: boolean, whenRunning?: number[] }
  /**
   * Messages of these kinds (a message type, `heartbeat`, `ping`,
   * `job_submitted`; all when absent) from these nodes to these nodes (all
   * when absent) are lost for `forMs`: a filter by link and message type.
   */
  | { kind: 'drop', at: number, forMs: number, types?: string[], from?: number[], to?: number[] }
  /** `node` publishes a claim of `cacheId` at `epoch` it never made (a buggy or hostile member). */
  | { kind: 'forge', at: number, node: number, cacheId: string, epoch: number }
  /** `node` claims `cacheId` at `epoch` and renews it every `everyMs` for `forMs`, never running it (stuck or hostile). */
  | { kind: 'hold', at: number, node: number, cacheId: string, epoch: number, everyMs: number, forMs: number }
  /** The node's event loop is busy (a loaded machine): its timers and messages wait, then run timers first. */
  | { kind: 'busy', at: number, node: number, forMs: number }

export interface ExecConfig {
  minMs: number
  maxMs: number
  /** Cache ids whose every execution fails. */
  alwaysFail: Set<string>
  /** Cache id → node indexes where it fails. */
  failOn: Map<string, Set<number>>
  /** Nodes whose executor gives other bytes (another ffmpeg build): their CIDs differ. */
  divergentOn: Set<number>
  /** A failing execution takes this share of a successful one's duration (default 0.3). */
  failFactor?: number
}

export interface SimConfig {
  seed: number
  nodes: NodeConfig[]
  coordinator: Omit<CoordinatorInit, 'self' | 'slots' | 'capabilities'>
  network: NetworkConfig
  membership: MembershipConfig
  /** How often each node pings its live peers (the daemon's round-trip monitor). */
  pingIntervalMs: number
  faults: Fault[]
  jobs: Array<{ at: number, submitter: number, spec: JobSpec }>
  cancels: Array<{ at: number, node: number, jobId: string }>
  exec: ExecConfig
  /** Results in the DHT before the run starts. */
  precached: Set<string>
  /** Results only in one node's local index (its DHT record lost). */
  preindexed: Array<{ node: number, cacheId: string }>
  /** Cache lookups that never answer (they time out). */
  lookupLoss: number
  /** How long a lookup takes when the local index does not have it. */
  lookupLatencyMs: [number, number]
  /** Hand every job to every node at the same instant (no job_submitted on the wire). */
  submitEverywhere: boolean
  /** Snapshots are written this long after a persist request (0: at once). */
  persistDebounceMs: number
  /** Run every message through its wire codec (slower; done on a share of the runs). */
  wireCheck: boolean
  /**
   * Content, modelled: an output is on the nodes that made it or fetched it (a
   * crash keeps it on disk, a node down serves nothing); a run whose input no
   * node that is up holds fails after `fetchTimeoutMs`, naming it (the daemon's
   * StepInputUnavailableError). DHT records carry their attestations, as the
   * daemon's do. Absent: every input can always be fetched.
   */
  content?: { fetchTimeoutMs: number }
  maxTimeMs: number
}
