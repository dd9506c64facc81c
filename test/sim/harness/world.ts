import type { CoordinatorOutput, Effect } from '../../../src/jobs/core/effects.ts'
import type { ClusterView, ExecutionRef, JobSpec } from '../../../src/jobs/core/types.ts'
import { LEASE_TOPIC, leaseCodec } from '../../../src/protocol/messages/lease.ts'
import { jobsCodec } from '../../../src/protocol/messages/jobs.ts'
import type { CoordinatorMessage } from '../../../src/jobs/core/effects.ts'
import { DEFAULT_SETTLE_MS } from '../../../src/lease/options.ts'
import type { SimConfig } from './config.ts'
import { EventQueue } from './event-queue.ts'
import { expectedCid, fakePeerId } from './ids.ts'
import { Prng } from './prng.ts'
import { SimNode } from './sim-node.ts'
import type { NodeInput } from './sim-node.ts'
import { Truth } from './truth.ts'
import { SimNetwork } from './network.ts'
import { FaultInjector } from './faults.ts'

/**
 * The simulated cluster: virtual time, a lossy network, heartbeats and
 * membership, executions, a DHT, and the faults of the scenario. Every node
 * runs the real StepCoordinator; the world performs its effects.
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

export function runSimulation (config: SimConfig, options: { trace?: boolean } = {}): RunResult {
  return new World(config, options.trace === true).run()
}

export class World {
  readonly q = new EventQueue()
  readonly truth = new Truth()
  readonly nodes: SimNode[]
  readonly config: SimConfig
  readonly trace: string[] = []
  readonly #tracing: boolean
  readonly #net: Prng
  readonly #exec: Prng
  readonly misc: Prng
  readonly network: SimNetwork
  readonly #dht = new Map<string, { cid: string, visibleAt: number }>()
  readonly #jobs = new Map<string, JobSpec>()
  readonly #deps = new Map<string, string[]>()
  #done = false
  readonly #quietAfter: number

  constructor (config: SimConfig, tracing: boolean) {
    this.config = config
    this.#tracing = tracing
    const root = new Prng(config.seed)
    const ids = root.fork()
    this.#net = root.fork()
    this.#exec = root.fork()
    this.misc = root.fork()
    const peerIds = config.nodes.map(() => fakePeerId(ids))
    this.nodes = config.nodes.map((n, i) => new SimNode(i, peerIds[i] as string, n, config))
    for (const job of config.jobs) {
      for (const step of job.spec.steps) {
        const deps = step.deps.map(d => job.spec.steps.find(s => s.stepId === d)?.cacheId as string)
        this.#deps.set(step.cacheId, deps)
      }
    }
    for (const c of config.precached) this.#dht.set(c, { cid: expectedCid(c), visibleAt: 0 })
    for (const c of config.precached) this.truth.firstResult.set(c, 0)
    this.network = new SimNetwork(this.q, this.truth, this.#net, config.network, (config.coordinator.settleMs ?? DEFAULT_SETTLE_MS) / 2)
    const ends = [
      ...config.jobs.map(j => j.at),
      ...config.cancels.map(c => c.at),
      ...config.faults.map(f => f.at + (f.kind === 'crash' ? (Number.isFinite(f.downForMs) ? f.downForMs : 0) : f.forMs))
    ]
    this.#quietAfter = Math.max(0, ...ends)
  }

  run (): RunResult {
    const { config, q } = this
    for (const node of this.nodes) {
      this.input(node, (c, now) => c.tick(now))
      q.at(this.misc.range(0, config.membership.heartbeatMs), () => this.#heartbeat(node))
      if (config.membership.mode === 'heartbeat') q.at(this.misc.range(0, MEMBERSHIP_CHECK_MS), () => this.#membershipCheck(node))
    }
    if (config.membership.mode === 'oracle') this.pushOracleView()
    for (const job of config.jobs) q.at(job.at, () => this.#submit(job.submitter, job.spec))
    for (const cancel of config.cancels) q.at(cancel.at, () => this.input(this.nodes[cancel.node] as SimNode, (c, now) => c.cancelJob(cancel.jobId, now, 'user request')))
    const faults = new FaultInjector(this)
    for (const fault of config.faults) q.at(fault.at, () => faults.inject(fault))
    q.at(1000, () => this.#checkDone())
    while (!this.#done && q.step(config.maxTimeMs)) { /* run */ }
    return { config, truth: this.truth, nodes: this.nodes, endTime: q.now, settled: this.#done, trace: this.trace }
  }

  /** Delivers an input to a node: dropped if it is down, queued if it is paused. */
  input (node: SimNode, fn: NodeInput): void {
    if (node.status === 'down') return
    if (node.status === 'paused') {
      node.queued.push(fn)
      return
    }
    const outputs = fn(node.coordinator, node.localNow(this.q.now))
    for (const out of Array.isArray(outputs) ? outputs : [outputs]) this.#apply(node, out)
  }

  #apply (node: SimNode, out: CoordinatorOutput): void {
    for (const effect of out.effects) this.#effect(node, effect)
    const gen = ++node.wakeGen
    const incarnation = node.incarnation
    this.q.at(node.simTime(out.nextWakeAt), () => {
      if (node.wakeGen === gen && node.incarnation === incarnation && node.status === 'up') this.input(node, (c, now) => c.tick(now))
    })
  }

  #effect (node: SimNode, e: Effect): void {
    const { q } = this
    switch (e.type) {
      case 'publish':
        this.#publish(node, e.topic, e.message)
        break
      case 'startExecution':
        this.#startExecution(node, e.execution)
        break
      case 'abortExecution': {
        const key = execKey(e.execution)
        const running = node.executions.get(key)
        if (running !== undefined) {
          node.executions.delete(key)
          running.rec.abortReason = e.reason
          this.truth.end(running.rec, 'aborted', q.now)
        }
        this.log(node, `abort ${short(e.execution.cacheId)}@${e.execution.epoch} (${e.reason})`)
        break
      }
      case 'lookupCache':
        for (const cacheId of e.cacheIds) {
          if (this.misc.chance(this.config.lookupLoss)) {
            this.truth.messageFault([cacheId], q.now)
            continue
          }
          const [lo, hi] = this.config.lookupLatencyMs
          const latency = node.localIndex.has(cacheId) ? this.misc.range(0.2, 1) : this.misc.range(lo, hi)
          q.after(latency, () => {
            const record = this.#dht.get(cacheId)
            const cid = node.localIndex.get(cacheId) ?? (record !== undefined && record.visibleAt <= q.now ? record.cid : undefined)
            this.input(node, (c, now) => c.onCacheLookupResult(cacheId, cid, now))
          })
        }
        break
      case 'putCacheRecord':
        node.localIndex.set(e.cacheId, e.cid)
        if (!this.#dht.has(e.cacheId)) this.#dht.set(e.cacheId, { cid: e.cid, visibleAt: q.now + this.misc.range(2, 40) })
        break
      case 'fetchJob':
        q.after(this.misc.range(5, 40), () => {
          const spec = this.#jobs.get(e.jobId)
          if (spec !== undefined) this.input(node, (c, now) => c.onJobReceived(spec, now))
        })
        break
      case 'jobFinished':
        node.jobResults.set(e.result.jobId, e.result)
        this.truth.jobResult(node.index, e.result, q.now)
        this.log(node, `job ${e.result.jobId.slice(0, 10)} ${e.result.state}`)
        break
      case 'persist':
        this.#persist(node)
        break
      case 'event':
        if (e.event.kind === 'step' && e.event.state === 'CLAIMED' && e.event.node === node.peerId) {
          this.truth.claims.push({ t: q.now, node: node.index, incarnation: node.incarnation, cacheId: e.event.cacheId, epoch: e.event.epoch })
        }
        if (this.#tracing) {
          const ev = e.event
          this.log(node, ev.kind === 'step'
            ? `${ev.state} ${short(ev.cacheId)}@${ev.epoch} by n${this.#indexOf(ev.node)}${ev.reason !== undefined ? ` (${ev.reason})` : ''}`
            : ev.kind === 'job' ? `job ${ev.jobId.slice(0, 10)} → ${ev.state}` : `pause detected (${Math.round(ev.gapMs)} ms)`)
        }
        break
    }
  }

  #publish (node: SimNode, topic: string, message: CoordinatorMessage): void {
    let delivered = message
    if (this.config.wireCheck) {
      const codec = topic === LEASE_TOPIC ? leaseCodec : jobsCodec
      delivered = codec.decode(codec.encode(message as never)) as CoordinatorMessage
    }
    const about = aboutCacheIds(message)
    if (this.#tracing) this.log(node, `send ${message.type} ${about.map(short).join(',')}${'epoch' in message ? `@${message.epoch}` : ''}`)
    for (const to of this.nodes) {
      if (to === node) continue
      this.network.send(node, to, about, target => this.input(target, (c, now) => c.onMessage(delivered, now)))
    }
  }

  #startExecution (node: SimNode, ref: ExecutionRef): void {
    const { q, truth } = this
    const key = execKey(ref)
    for (const dep of this.#deps.get(ref.cacheId) ?? []) {
      const at = truth.firstResult.get(dep)
      if (at === undefined || at > q.now) truth.depViolations.push(`n${node.index} started ${ref.cacheId} at ${q.now.toFixed(1)} before its input ${dep} existed`)
    }
    const rec = { cacheId: ref.cacheId, node: node.index, incarnation: node.incarnation, epoch: ref.epoch, start: q.now, end: undefined, outcome: undefined }
    truth.start(rec)
    node.executions.set(key, { ref, rec })
    const { exec } = this.config
    const fails = exec.alwaysFail.has(ref.cacheId) || exec.failOn.get(ref.cacheId)?.has(node.index) === true
    const duration = this.#exec.range(exec.minMs, exec.maxMs) * (fails ? 0.3 : 1)
    this.log(node, `start ${short(ref.cacheId)}@${ref.epoch}`)
    q.after(duration, () => {
      if (node.executions.get(key)?.rec !== rec) return
      node.executions.delete(key)
      truth.end(rec, fails ? 'failed' : 'completed', q.now)
      if (fails) {
        const tail = `[h264 @ 0x55] error while encoding ${ref.cacheId.slice(0, 8)}\nConversion failed! (exit 1 on n${node.index})`
        this.input(node, (c, now) => c.onExecutionFailed(ref, tail, now))
      } else {
        this.input(node, (c, now) => c.onExecutionFinished(ref, expectedCid(ref.cacheId), now, duration))
      }
    })
  }

  #persist (node: SimNode): void {
    const write = (): void => {
      const snapshot = node.coordinator.snapshot()
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
    this.#jobs.set(spec.jobId, spec)
    if (this.config.submitEverywhere) {
      for (const node of this.nodes) this.input(node, (c, now) => c.onJobReceived(spec, now))
      return
    }
    // A user submits to a running daemon: if the chosen one is down, to the next one up.
    const node = [...this.nodes.slice(submitter), ...this.nodes.slice(0, submitter)].find(n => n.status === 'up')
    if (node === undefined) {
      this.q.after(500, () => this.#submit(submitter, spec))
      return
    }
    this.log(node, `submit ${spec.jobId.slice(0, 10)}`)
    this.input(node, (c, now) => c.onJobReceived(spec, now))
    // The daemon keeps a job it accepted before answering the user: it survives a crash right after.
    if (node.status === 'up') node.persisted = node.coordinator.snapshot()
    // job_submitted travels like any message; each receiver plans it (a few ms) and takes it in.
    for (const to of this.nodes) {
      if (to === node) continue
      this.network.send(node, to, [], target => this.q.after(this.misc.range(1, 5), () => this.input(target, (c, now) => c.onJobReceived(spec, now))))
    }
  }

  #heartbeat (node: SimNode): void {
    const { q, config } = this
    q.after(config.membership.heartbeatMs * this.misc.range(0.9, 1.1), () => this.#heartbeat(node))
    if (node.status !== 'up') return
    const summary = node.coordinator.heartbeatSummary(node.localNow(q.now))
    const about = summary.leases.map(l => l.cacheId)
    const { slots, capabilities } = node.config
    for (const to of this.nodes) {
      if (to === node) continue
      this.network.send(node, to, about, target => this.input(target, (c, now) => {
        const outputs: CoordinatorOutput[] = []
        if (config.membership.mode === 'heartbeat') {
          target.membership.heard(node.peerId, slots, capabilities, now)
          const { view, changed } = target.membership.view(now)
          if (changed) outputs.push(c.onViewChanged(view, now))
        }
        outputs.push(c.onHeartbeat(node.peerId, summary, now))
        return outputs
      }))
    }
  }

  #membershipCheck (node: SimNode): void {
    this.q.after(MEMBERSHIP_CHECK_MS, () => this.#membershipCheck(node))
    if (node.status !== 'up') return
    this.input(node, (c, now) => {
      const { view, changed } = node.membership.view(now)
      return changed ? c.onViewChanged(view, now) : []
    })
  }

  #oracleView (): ClusterView {
    return {
      self: '',
      members: this.nodes.map(n => ({ peerId: n.peerId, state: n.status === 'down' ? 'dead' : 'alive', slots: n.config.slots, capabilities: n.config.capabilities }))
    }
  }

  pushOracleView (): void {
    const view = this.#oracleView()
    for (const node of this.nodes) this.input(node, (c, now) => c.onViewChanged({ ...view, self: node.peerId }, now))
  }

  #checkDone (): void {
    const { q } = this
    q.after(1000, () => this.#checkDone())
    if (q.now < this.#quietAfter) return
    if (this.nodes.some(n => n.status === 'paused')) return
    for (const job of this.config.jobs) {
      const states = new Set<string>()
      for (const node of this.nodes) {
        if (node.status !== 'up') continue
        const status = node.coordinator.job(job.spec.jobId, node.localNow(q.now))
        if (status !== undefined) states.add(status.state)
      }
      // Ended everywhere it is known, and converged: a failure seen here and a result seen there resolve to completed.
      if (states.size === 0 || states.has('running') || (states.has('failed') && states.has('completed'))) return
    }
    this.#done = true
  }

  #indexOf (peerId: string): number {
    return this.nodes.findIndex(n => n.peerId === peerId)
  }

  log (node: SimNode | undefined, text: string): void {
    if (!this.#tracing) return
    this.trace.push(`${this.q.now.toFixed(2).padStart(10)} ${node === undefined ? '  ' : `n${node.index}`} ${text}`)
  }
}

function execKey (ref: ExecutionRef): string {
  return `${ref.cacheId}|${ref.epoch}`
}

function short (cacheId: string): string {
  return cacheId.slice(0, 6)
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
