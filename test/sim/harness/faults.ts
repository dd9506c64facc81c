import type { Fault } from './config.ts'
import type { SimNode } from './sim-node.ts'
import type { World } from './world.ts'

/**
 * The scenario's faults: crashes (kill -9: executions die, the process
 * restarts later from its last snapshot, or an older one), pauses (the
 * process stops, its inputs queue up, it resumes with stale state and may run
 * its timers before reading them), busy spells (a loaded machine: timers and
 * messages wait, then timers run first, as Node's event loop does),
 * partitions that heal, one-way partitions (a node that can send but not
 * receive, or the reverse), drop rules (messages of some types, or on some
 * links, lost for a while), kills in the middle of publishing a claim or
 * right after publishing a result, and forged claims.
 */
export class FaultInjector {
  readonly #world: World

  constructor (world: World) {
    this.#world = world
  }

  inject (fault: Fault): void {
    const w = this.#world
    const { q, truth } = w
    if (fault.kind === 'drop') {
      const rule = { types: set(fault.types), from: set(fault.from), to: set(fault.to) }
      w.network.drops.add(rule)
      w.log(undefined, `dropping ${fault.types?.join(',') ?? 'everything'} from ${fault.from?.map(n => `n${n}`).join(',') ?? 'all'} to ${fault.to?.map(n => `n${n}`).join(',') ?? 'all'} for ${Math.round(fault.forMs)} ms`)
      q.after(fault.forMs, () => {
        w.network.drops.delete(rule)
        w.log(undefined, 'drop rule lifted')
      })
      return
    }
    if (fault.kind === 'forge') {
      const node = w.nodes[fault.node] as SimNode
      const job = w.config.jobs.find(j => j.spec.steps.some(s => s.cacheId === fault.cacheId))
      const step = job?.spec.steps.find(s => s.cacheId === fault.cacheId)
      if (node.status !== 'up' || job === undefined || step === undefined) return
      w.log(node, `forges a claim of ${fault.cacheId.slice(0, 6)} at epoch ${fault.epoch}`)
      w.publish(node, { v: 1, type: 'lease_claim', cacheId: fault.cacheId, epoch: fault.epoch, holder: node.peerId, jobId: job.spec.jobId, stepId: step.stepId, sentAt: Math.max(0, Math.round(node.now())) })
      return
    }
    if (fault.kind === 'hold') {
      const node = w.nodes[fault.node] as SimNode
      const job = w.config.jobs.find(j => j.spec.steps.some(s => s.cacheId === fault.cacheId))
      const step = job?.spec.steps.find(s => s.cacheId === fault.cacheId)
      if (job === undefined || step === undefined) return
      w.log(node, `claims ${fault.cacheId.slice(0, 6)} at epoch ${fault.epoch} and renews it for ${Math.round(fault.forMs)} ms without running it`)
      const sentAt = (): number => Math.max(0, Math.round(node.now()))
      w.publish(node, { v: 1, type: 'lease_claim', cacheId: fault.cacheId, epoch: fault.epoch, holder: node.peerId, jobId: job.spec.jobId, stepId: step.stepId, sentAt: sentAt() })
      const until = q.now + fault.forMs
      const renew = (): void => {
        if (q.now >= until) return
        if (node.status === 'up') w.publish(node, { v: 1, type: 'lease_renew', holder: node.peerId, leases: [{ cacheId: fault.cacheId, epoch: fault.epoch }], sentAt: sentAt() })
        q.after(fault.everyMs, renew)
      }
      q.after(fault.everyMs, renew)
      return
    }
    if (fault.kind === 'partition' && fault.whenRunning !== undefined && !fault.whenRunning.some(n => (w.nodes[n]?.executions.size ?? 0) > 0)) {
      if (q.now < w.config.maxTimeMs / 2) {
        q.after(100, () => {
          this.inject(fault)
        })
      }
      return
    }
    if (fault.kind === 'partition') {
      const groupOf = w.nodes.map(() => 0)
      fault.groups.forEach((g, i) => {
        for (const n of g) groupOf[n] = i
      })
      w.network.cut = { groupOf, oneWay: fault.oneWay === true }
      truth.episodes.push({ kind: 'partition', start: q.now, end: q.now + fault.forMs, nodes: fault.groups.flat(), groups: fault.groups })
      w.log(undefined, `${fault.oneWay === true ? 'one-way ' : ''}partition ${fault.groups.map(g => g.join('+')).join(fault.oneWay === true ? ' -/-> ' : ' | ')} for ${Math.round(fault.forMs)} ms`)
      q.after(fault.forMs, () => {
        w.network.cut = undefined
        w.log(undefined, 'partition healed')
      })
      return
    }
    if (fault.kind === 'crash' && fault.node < 0) {
      const busy = w.nodes.filter(n => n.status === 'up' && n.executions.size > 0)
      if (busy.length === 0) {
        if (q.now < w.config.maxTimeMs / 2) {
          q.after(100, () => {
            this.inject(fault)
          })
        }
        return
      }
      this.inject({ ...fault, node: w.misc.pick(busy).index })
      return
    }
    const node = w.nodes[fault.node] as SimNode
    if (fault.kind === 'busy') {
      if (node.status !== 'up') return
      const end = Math.max(node.busyUntil, q.now + fault.forMs)
      node.busyUntil = end
      truth.episodes.push({ kind: 'busy', start: q.now, end, nodes: [node.index] })
      w.log(node, `busy for ${Math.round(fault.forMs)} ms`)
      q.at(end, () => {
        if (node.status === 'up' && q.now >= node.busyUntil) node.drain(true)
      })
      return
    }
    if (fault.kind === 'pause') {
      if (node.status !== 'up') return
      node.status = 'paused'
      truth.episodes.push({ kind: 'pause', start: q.now, end: q.now + fault.forMs, nodes: [node.index] })
      w.log(node, `paused for ${Math.round(fault.forMs)} ms`)
      q.after(fault.forMs, () => {
        this.#resume(node)
      })
      return
    }
    if (node.status === 'down') return
    if (fault.afterClaim === true) {
      node.crashOnClaim = fault
      w.log(node, 'will be killed while publishing its next claim')
      return
    }
    if (fault.afterResult === true) {
      node.crashOnResult = fault
      w.log(node, 'will be killed right after it publishes its next result')
      return
    }
    for (const { rec } of node.executions.values()) truth.end(rec, 'killed', q.now)
    node.executions.clear()
    node.crash()
    const end = q.now + (Number.isFinite(fault.downForMs) ? fault.downForMs : Number.POSITIVE_INFINITY)
    truth.episodes.push({ kind: 'crash', start: q.now, end, nodes: [node.index] })
    w.log(node, 'crashed')
    if (w.config.membership.mode === 'oracle') w.pushOracleView()
    if (!Number.isFinite(fault.downForMs)) return
    q.after(fault.downForMs, () => {
      // A stale snapshot: the disk lost the last writes (or a backup was restored).
      const stale = fault.stale === true ? node.olderSnapshots.at(0) : undefined
      const snapshot = stale ?? node.persisted
      node.restart()
      w.log(node, `restarted${snapshot === undefined ? ' (no snapshot)' : stale !== undefined ? ' from a stale snapshot' : ''}`)
      node.deliver(() => {
        if (snapshot === undefined) node.driver.tick()
        else node.driver.restore(snapshot)
      })
      if (w.config.membership.mode === 'oracle') w.pushOracleView()
    })
  }

  #resume (node: SimNode): void {
    const w = this.#world
    if (node.status !== 'paused') return
    node.status = 'up'
    w.log(node, `resumed with ${node.queued.length} queued inputs`)
    // A resumed process may run its timers before or after reading its sockets.
    node.drain(w.misc.chance(0.5))
  }
}

function set<T> (values: readonly T[] | undefined): ReadonlySet<T> | undefined {
  return values === undefined ? undefined : new Set(values)
}
