import type { CoordinatorMessage } from '../../../src/jobs/core/effects.ts'
import type { Attestation, ClusterView, ExecutionRef, JobSpec } from '../../../src/jobs/core/types.ts'
import type { ExecutionReport } from '../../../src/jobs/driver/ports.ts'
import { LEASE_TOPIC } from '../../../src/protocol/messages/lease.ts'
import { JOBS_TOPIC } from '../../../src/protocol/messages/jobs.ts'
import type { SimConfig } from './config.ts'
import { EventQueue } from './event-queue.ts'
import { endedSomewhere } from './checks.ts'
import { FaultInjector } from './faults.ts'
import { expectedCid, fakePeerId } from './ids.ts'
import { heartbeatOf } from './membership.ts'
import { SimNetwork } from './network.ts'
import { Prng } from './prng.ts'
import { SimNode } from './sim-node.ts'
import { execKey, onTheWire, producedCid, short, simPing, simPorts } from './sim-ports.ts'
import { Truth } from './truth.ts'
import type { ExecRecord } from './truth.ts'

/**
 * The simulated cluster: virtual time, a lossy network, heartbeats and the
 * daemon's membership table, executions, a DHT, and the faults of the
 * scenario. Every node runs the daemon's own CoordinatorDriver (and so its
 * StepCoordinator) and RoundTripMonitor; the world only provides their ports.
 */
export interface RunResult {
  config: SimConfig
  truth: Truth
  nodes: SimNode[]
  /** Simulated time when the run stopped. */
  endTime: number
  /** Every job reached an end on every live node that knows it before maxTimeMs. */
  settled: boolean
  trace: string[]
}

const MEMBERSHIP_CHECK_MS = 500
/** A fetch that found no holder up asks again this often (config.content). */
const FETCH_RETRY_MS = 1000

export function runSimulation (config: SimConfig, options: { trace?: boolean } = {}): RunResult {
  return new World(config, options.trace === true).run()
}

export class World {
  readonly q = new EventQueue()
  readonly truth = new Truth()
  readonly nodes: SimNode[]
  readonly config: SimConfig
  readonly trace: string[] = []
  readonly tracing: boolean
  readonly #exec: Prng
  readonly misc: Prng
  readonly network: SimNetwork
  readonly dht = new Map<string, { cid: string, visibleAt: number, attestations?: readonly Attestation[] }>()
  /** With `config.content`: the nodes holding each CID (those that made it or fetched it). */
  readonly holders = new Map<string, Set<number>>()
  readonly jobs = new Map<string, JobSpec>()
  readonly #deps = new Map<string, string[]>()
  readonly faults: FaultInjector
  #done = false
  readonly #quietAfter: number

  constructor (config: SimConfig, tracing: boolean) {
    this.config = config
    this.tracing = tracing
    const root = new Prng(config.seed)
    const ids = root.fork()
    const net = root.fork()
    this.#exec = root.fork()
    this.misc = root.fork()
    const peerIds = config.nodes.map(() => fakePeerId(ids))
    const wiring = {
      ports: (node: SimNode, incarnation: number) => simPorts(this, node, incarnation),
      ping: (node: SimNode, incarnation: number) => simPing(this, node, incarnation),
      peers: (node: SimNode) => this.#pingTargets(node),
      onError: (node: SimNode, err: unknown, context: string) => {
        this.truth.errors.push(`n${node.index}: ${context}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
      }
    }
    this.nodes = config.nodes.map((n, i) => new SimNode(i, peerIds[i] as string, n, config, this.q, wiring))
    for (const job of config.jobs) {
      for (const step of job.spec.steps) {
        const deps = step.deps.map(d => job.spec.steps.find(s => s.stepId === d)?.cacheId as string)
        this.#deps.set(step.cacheId, deps)
      }
    }
    for (const c of config.precached) {
      this.dht.set(c, { cid: expectedCid(c), visibleAt: 0 })
      this.truth.firstResult.set(c, 0)
      this.truth.produced.set(c, new Set([expectedCid(c)]))
    }
    for (const { node, cacheId } of config.preindexed) {
      this.nodes[node]?.localIndex.set(cacheId, expectedCid(cacheId))
      this.#holds(node, expectedCid(cacheId))
      this.truth.firstResult.set(cacheId, 0)
      this.truth.produced.set(cacheId, new Set([expectedCid(cacheId)]))
    }
    // A message is late when it takes longer than half the settle window either end uses now.
    this.network = new SimNetwork(this.q, this.truth, net, config.network, (from, to) => {
      const a = from.status === 'up' ? from.coordinator.networkTiming(from.now()).settleMs : Number.POSITIVE_INFINITY
      const b = to.status === 'up' ? to.coordinator.networkTiming(to.now()).settleMs : Number.POSITIVE_INFINITY
      return Math.min(a, b) / 2
    })
    const ends = [
      ...config.jobs.map(j => j.at),
      ...config.cancels.map(c => c.at),
      ...config.faults.map(f => f.at + (f.kind === 'crash' ? (Number.isFinite(f.downForMs) ? f.downForMs : 0) : f.kind === 'forge' || f.kind === 'hold' ? 0 : f.forMs))
    ]
    this.faults = new FaultInjector(this)
    // Jobs may end before the last fault is over and be judged again when views settle after it.
    this.#quietAfter = Math.max(0, ...ends) + (config.faults.length > 0 ? config.membership.deadAfterMs : 0)
  }

  run (): RunResult {
    const { config, q } = this
    for (const node of this.nodes) {
      node.deliver(() => {
        node.driver.tick()
      })
      q.at(this.misc.range(0, config.membership.heartbeatMs), () => {
        this.#heartbeat(node)
      })
      if (config.membership.mode === 'heartbeat') {
        q.at(this.misc.range(0, MEMBERSHIP_CHECK_MS), () => {
          this.#membershipCheck(node)
        })
      }
    }
    if (config.membership.mode === 'oracle') this.pushOracleView()
    for (const job of config.jobs) {
      q.at(job.at, () => {
        this.#submit(job.submitter, job.spec)
      })
    }
    for (const cancel of config.cancels) {
      q.at(cancel.at, () => {
        const node = this.nodes[cancel.node] as SimNode
        node.deliver(() => {
          node.driver.cancel(cancel.jobId, 'user request')
        })
      })
    }
    for (const fault of config.faults) {
      q.at(fault.at, () => {
        this.faults.inject(fault)
      })
    }
    q.at(1000, () => {
      this.#checkDone()
    })
    while (!this.#done && q.step(config.maxTimeMs)) { /* run */ }
    return { config, truth: this.truth, nodes: this.nodes, endTime: q.now, settled: this.#done, trace: this.trace }
  }

  /** A node publishes: one copy to every other node, each lost, delayed or duplicated on its own. */
  publish (node: SimNode, message: CoordinatorMessage): void {
    const topic = message.type.startsWith('lease_') ? LEASE_TOPIC : JOBS_TOPIC
    const delivered = onTheWire(this, message, topic)
    const about = aboutCacheIds(message)
    if (this.tracing) this.log(node, `send ${message.type} ${about.map(short).join(',')}${'epoch' in message ? `@${message.epoch}` : ''}`)
    const afterResult = node.crashOnResult
    if (message.type === 'step_completed' && afterResult !== undefined && message.sender === node.peerId && message.holder === node.peerId && !message.cached) {
      // Killed right after: the result leaves the process, its output stays on a disk nobody can reach.
      node.crashOnResult = undefined
      this.log(node, 'killed right after publishing its result')
      this.q.after(0, () => {
        this.faults.inject({ ...afterResult, at: this.q.now, afterResult: false })
      })
    }
    const crash = node.crashOnClaim
    if (message.type === 'lease_claim' && crash !== undefined) {
      // Killed while publishing: the claim never leaves the process (its snapshot, written with it, holds it).
      node.crashOnClaim = undefined
      for (const to of this.nodes) if (to !== node) this.truth.messageFault(about, this.q.now)
      this.log(node, 'killed while publishing its claim')
      this.q.after(0, () => {
        this.faults.inject({ ...crash, at: this.q.now, afterClaim: false })
      })
      return
    }
    for (const to of this.nodes) {
      if (to === node) continue
      this.network.send(node, to, message.type, about, target => {
        target.deliver(() => {
          target.driver.receive(delivered)
        })
      })
    }
  }

  startExecution (node: SimNode, ref: ExecutionRef, report: ExecutionReport): void {
    const { q, truth } = this
    const key = execKey(ref)
    for (const dep of this.#deps.get(ref.cacheId) ?? []) {
      const at = truth.firstResult.get(dep)
      if (at === undefined || at > q.now) truth.depViolations.push(`n${node.index} started ${ref.cacheId} at ${q.now.toFixed(1)} before its input ${dep} existed`)
    }
    const rec = { cacheId: ref.cacheId, node: node.index, incarnation: node.incarnation, epoch: ref.epoch, start: q.now, end: undefined, outcome: undefined }
    truth.start(rec)
    node.executions.set(key, { ref, rec, report })
    // The inputs' CIDs as the node keeps them when it starts (the daemon resolves them then too).
    const inputs = (this.#deps.get(ref.cacheId) ?? []).flatMap(dep => {
      const cid = node.coordinator.knownResult(dep)
      return cid === undefined ? [] : [{ dep, cid }]
    })
    this.#fetch(node, ref, rec, report, inputs, q.now + (this.config.content?.fetchTimeoutMs ?? 0))
  }

  /**
   * With `config.content`, the inputs are fetched first: from any node that is
   * up and holds them, as soon as one is (checked every second); those no node
   * up holds by `deadline` fail the run, named (the daemon's
   * StepInputUnavailableError). The node holds what it fetched.
   */
  #fetch (node: SimNode, ref: ExecutionRef, rec: ExecRecord, report: ExecutionReport, inputs: Array<{ dep: string, cid: string }>, deadline: number): void {
    const { q, truth } = this
    const key = execKey(ref)
    const lost = this.config.content === undefined ? [] : inputs.filter(i => !this.#reachable(i.dep, i.cid)).map(i => i.cid)
    if (lost.length === 0) {
      if (this.config.content !== undefined) { for (const { cid } of inputs) this.#holds(node.index, cid) }
      this.#run(node, ref, rec, report)
      return
    }
    if (q.now < deadline) {
      if (rec.start === q.now) this.log(node, `cannot fetch the inputs of ${short(ref.cacheId)}@${ref.epoch} yet: ${lost.map(c => c.slice(-6)).join(',')}`)
      q.after(Math.min(FETCH_RETRY_MS, deadline - q.now), () => {
        if (node.executions.get(key)?.rec === rec) this.#fetch(node, ref, rec, report, inputs, deadline)
      })
      return
    }
    node.executions.delete(key)
    truth.end(rec, 'failed', q.now)
    truth.inputLosses.push({ t: q.now, node: node.index, cacheId: ref.cacheId, cids: lost })
    this.log(node, `could not fetch the inputs of ${short(ref.cacheId)}@${ref.epoch}: ${lost.map(c => c.slice(-6)).join(',')}`)
    node.deliver(() => {
      report.failed(`step ${ref.stepId}: ${lost.length} input(s) could not be fetched: no peer provided them`, lost)
    })
  }

  #run (node: SimNode, ref: ExecutionRef, rec: ExecRecord, report: ExecutionReport): void {
    const { q, truth } = this
    const key = execKey(ref)
    const { exec } = this.config
    const fails = exec.alwaysFail.has(ref.cacheId) || exec.failOn.get(ref.cacheId)?.has(node.index) === true
    const duration = this.#exec.range(exec.minMs, exec.maxMs) * (fails ? (exec.failFactor ?? 0.3) : 1)
    this.log(node, `start ${short(ref.cacheId)}@${ref.epoch}`)
    const cid = producedCid(this, node, ref)
    q.after(duration, () => {
      if (node.executions.get(key)?.rec !== rec) return
      node.executions.delete(key)
      truth.end(rec, fails ? 'failed' : 'completed', q.now, fails ? undefined : cid)
      if (!fails) this.#holds(node.index, cid)
      if (fails) {
        const tail = `[h264 @ 0x55] error while encoding ${ref.cacheId.slice(0, 8)}\nConversion failed! (exit 1 on n${node.index})`
        node.deliver(() => {
          report.failed(tail)
        })
      } else {
        node.deliver(() => {
          report.finished(cid, duration)
        })
      }
    })
  }

  /** Whether a node that is up holds `cid` (a result cached before the run began is held by whoever made it then). */
  #reachable (dep: string, cid: string): boolean {
    if (this.config.precached.has(dep) && cid === expectedCid(dep)) return true
    return [...(this.holders.get(cid) ?? [])].some(i => this.nodes[i]?.status !== 'down')
  }

  #holds (node: number, cid: string): void {
    let set = this.holders.get(cid)
    if (set === undefined) this.holders.set(cid, set = new Set())
    set.add(node)
  }

  persist (node: SimNode): void {
    const write = (): void => {
      const snapshot = node.driver.snapshot()
      if (node.persisted !== undefined) node.olderSnapshots.push(node.persisted)
      if (node.olderSnapshots.length > 8) node.olderSnapshots.shift()
      node.persisted = this.config.wireCheck ? JSON.parse(JSON.stringify(snapshot)) : snapshot
    }
    if (this.config.persistDebounceMs <= 0) {
      write()
      return
    }
    if (node.persistScheduled) return
    node.persistScheduled = true
    const incarnation = node.incarnation
    this.q.after(this.config.persistDebounceMs, () => {
      if (!node.persistScheduled || node.incarnation !== incarnation || node.status === 'down') return
      node.persistScheduled = false
      write()
    })
  }

  #submit (submitter: number, spec: JobSpec): void {
    this.jobs.set(spec.jobId, spec)
    if (this.config.submitEverywhere) {
      for (const node of this.nodes) {
        node.deliver(() => {
          node.driver.jobReceived(spec)
        })
      }
      return
    }
    // A user submits to a running daemon: if the chosen one is down, to the next one up.
    const node = [...this.nodes.slice(submitter), ...this.nodes.slice(0, submitter)].find(n => n.status === 'up')
    if (node === undefined) {
      this.q.after(500, () => {
        this.#submit(submitter, spec)
      })
      return
    }
    this.log(node, `submit ${spec.jobId.slice(0, 10)}`)
    node.deliver(() => {
      node.driver.jobReceived(spec)
      // The daemon keeps a job it accepted before answering the user (a write it waits for): it
      // survives a crash right after, and a stale restart loses only the writes that came later.
      node.persisted = node.driver.snapshot()
      node.olderSnapshots.length = 0
    })
    // job_submitted travels like any message; each receiver plans it (a few ms) and takes it in.
    for (const to of this.nodes) {
      if (to === node) continue
      this.network.send(node, to, 'job_submitted', [], target => {
        this.q.after(this.misc.range(1, 5), () => {
          target.deliver(() => {
            target.driver.jobReceived(spec)
          })
        })
      })
    }
  }

  #heartbeat (node: SimNode): void {
    const { q, config } = this
    q.after(config.membership.heartbeatMs * this.misc.range(0.9, 1.1), () => {
      this.#heartbeat(node)
    })
    // The daemon's heartbeat timer: it waits while the process is paused or busy.
    node.deliver(() => {
      this.#sendHeartbeat(node)
    }, true)
  }

  #sendHeartbeat (node: SimNode): void {
    const { config } = this
    const now = node.now()
    const summary = node.coordinator.heartbeatSummary(now)
    const heartbeat = heartbeatOf(node.peerId, node.config.slots, node.config.capabilities, node.membership.nextSeq(now), now, summary)
    const about = summary.leases.map(l => l.cacheId)
    for (const to of this.nodes) {
      if (to === node) continue
      this.network.send(node, to, 'heartbeat', about, target => {
        target.deliver(() => {
          if (config.membership.mode === 'heartbeat') {
            target.membership.heard(heartbeat, target.now())
            const { view, changed } = target.membership.view(target.now())
            if (changed) {
              target.driver.viewChanged(view)
              target.monitor.peersChanged()
            }
          }
          target.driver.heartbeat(node.peerId, { leases: heartbeat.leases, jobs: heartbeat.jobs })
        })
      })
    }
  }

  #membershipCheck (node: SimNode): void {
    this.q.after(MEMBERSHIP_CHECK_MS, () => {
      this.#membershipCheck(node)
    })
    node.deliver(() => {
      const { view, changed } = node.membership.view(node.now())
      if (changed) {
        node.driver.viewChanged(view)
        node.monitor.peersChanged()
      }
    })
  }

  /** Whom a node's round-trip monitor pings: its live members (all up nodes under the oracle). */
  #pingTargets (node: SimNode): string[] {
    switch (this.config.membership.mode) {
      case 'solo':
        return []
      case 'oracle':
        return this.nodes.filter(n => n !== node && n.status !== 'down').map(n => n.peerId)
      case 'heartbeat':
        return node.membership.alive(node.now())
    }
  }

  #oracleView (): ClusterView {
    return {
      self: '',
      members: this.nodes.map(n => ({ peerId: n.peerId, state: n.status === 'down' ? 'dead' : 'alive', slots: n.config.slots, capabilities: n.config.capabilities }))
    }
  }

  pushOracleView (): void {
    const view = this.#oracleView()
    for (const node of this.nodes) {
      node.deliver(() => {
        node.driver.viewChanged({ ...view, self: node.peerId })
        node.monitor.peersChanged()
      })
    }
  }

  #checkDone (): void {
    const { q } = this
    q.after(1000, () => {
      this.#checkDone()
    })
    if (q.now < this.#quietAfter) return
    if (this.nodes.some(n => n.status === 'paused' || q.now < n.busyUntil)) return
    for (const job of this.config.jobs) {
      const states = new Set<string>()
      const outputs = new Set<string>()
      for (const node of this.nodes) {
        if (node.status !== 'up') continue
        const status = node.coordinator.job(job.spec.jobId, node.now())
        if (status === undefined) continue
        states.add(status.state)
        if (status.outputCid !== undefined) outputs.add(status.outputCid)
      }
      // Ended everywhere it is known, and converged (one state, one output); or ended and forgotten since.
      if ((states.size === 0 && !endedSomewhere(this, job.spec.jobId)) || states.has('running') || (states.has('failed') && states.has('completed')) || outputs.size > 1) return
    }
    this.#done = true
  }

  indexOf (peerId: string): number {
    return this.nodes.findIndex(n => n.peerId === peerId)
  }

  log (node: SimNode | undefined, text: string): void {
    if (!this.tracing) return
    this.trace.push(`${this.q.now.toFixed(2).padStart(10)} ${node === undefined ? '  ' : `n${node.index}`} ${text}`)
  }
}

function aboutCacheIds (message: CoordinatorMessage): string[] {
  switch (message.type) {
    case 'lease_claim':
    case 'lease_release':
    case 'lease_state':
    case 'step_completed':
    case 'step_failed':
      return [message.cacheId]
    case 'lease_renew':
      return message.leases.map(l => l.cacheId)
    case 'job_cancelled':
      return []
  }
}
