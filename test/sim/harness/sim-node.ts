import { CoordinatorDriver } from '../../../src/jobs/driver/driver.ts'
import { RoundTripMonitor } from '../../../src/jobs/driver/round-trips.ts'
import type { CoordinatorMetrics } from '../../../src/jobs/core/metrics.ts'
import { createMetrics } from '../../../src/jobs/core/metrics.ts'
import type { JobResult } from '../../../src/jobs/core/effects.ts'
import type { CoordinatorSnapshot } from '../../../src/jobs/core/snapshot.ts'
import type { ExecutionRef } from '../../../src/jobs/core/types.ts'
import type { DriverPorts, ExecutionReport } from '../../../src/jobs/driver/ports.ts'
import type { PingPort } from '../../../src/jobs/driver/round-trips.ts'
import type { Clock, Scheduler, TimerHandle } from '../../../src/lifecycle/clock.ts'
import type { Fault, NodeConfig, SimConfig } from './config.ts'
import type { EventQueue } from './event-queue.ts'
import { SimMembership } from './membership.ts'
import type { ExecRecord } from './truth.ts'

/** What the world gives a node to build its ports from (one set per incarnation). */
export interface NodeWiring {
  ports: (node: SimNode, incarnation: number) => DriverPorts
  ping: (node: SimNode, incarnation: number) => PingPort
  /** The peers the node's round-trip monitor measures (its live members). */
  peers: (node: SimNode) => string[]
  onError: (node: SimNode, err: unknown, context: string) => void
}

interface SimTimer extends TimerHandle {
  cancelled: boolean
}

/**
 * One simulated daemon: the daemon's own CoordinatorDriver and RoundTripMonitor
 * on a virtual clock (with this node's offset and drift) and scheduler, its
 * process state (up, paused, down, busy), its disk (snapshots, local cache
 * index) and its running executions. Every input — a message, a timer, a
 * port's answer — goes through `deliver`, which models the process: nothing
 * while down, queued while paused or busy.
 */
export class SimNode {
  readonly index: number
  readonly peerId: string
  readonly config: NodeConfig
  status: 'up' | 'paused' | 'down' = 'up'
  incarnation = 0
  driver: CoordinatorDriver
  monitor: RoundTripMonitor
  /** Inputs that arrived while paused or busy, run on resume. */
  queued: Array<{ timer: boolean, run: () => void }> = []
  /** Sim time until which the event loop is busy. */
  busyUntil = 0
  readonly executions = new Map<string, { ref: ExecutionRef, rec: ExecRecord, report: ExecutionReport }>()
  /** On disk: survives crashes. The older ones serve restarts from a stale snapshot. */
  persisted: CoordinatorSnapshot | undefined
  readonly olderSnapshots: CoordinatorSnapshot[] = []
  persistScheduled = false
  readonly localIndex = new Map<string, string>()
  membership: SimMembership
  /** Metrics of earlier incarnations. */
  readonly pastMetrics: CoordinatorMetrics = createMetrics()
  jobResults = new Map<string, JobResult>()
  /** Armed by a crash fault with `afterClaim`: the node is killed while publishing its next claim. */
  crashOnClaim: Extract<Fault, { kind: 'crash' }> | undefined
  /** Armed by a crash fault with `afterResult`: the node is killed right after it publishes its next run's result. */
  crashOnResult: Extract<Fault, { kind: 'crash' }> | undefined
  readonly #sim: SimConfig
  readonly #q: EventQueue
  readonly #wiring: NodeWiring

  constructor (index: number, peerId: string, config: NodeConfig, sim: SimConfig, q: EventQueue, wiring: NodeWiring) {
    this.index = index
    this.peerId = peerId
    this.config = config
    this.#sim = sim
    this.#q = q
    this.#wiring = wiring
    this.membership = this.#newMembership()
    this.driver = this.#newDriver()
    this.monitor = this.#newMonitor()
  }

  get coordinator (): CoordinatorDriver['coordinator'] {
    return this.driver.coordinator
  }

  localNow (simTime: number): number {
    return this.config.clockOffsetMs + simTime * (1 + this.config.drift)
  }

  simTime (local: number): number {
    return (local - this.config.clockOffsetMs) / (1 + this.config.drift)
  }

  now (): number {
    return this.localNow(this.#q.now)
  }

  /** Runs an input now, or queues it (paused, busy), or drops it (down). */
  deliver (run: () => void, timer = false): void {
    if (this.status === 'down') return
    if (this.status === 'paused' || this.#q.now < this.busyUntil) {
      this.queued.push({ timer, run })
      return
    }
    run()
  }

  /** Runs what queued up: like Node after a stall, timers first (or, after a pause, either way). */
  drain (timersFirst: boolean): void {
    const queued = this.queued
    this.queued = []
    const ordered = timersFirst ? [...queued.filter(i => i.timer), ...queued.filter(i => !i.timer)] : queued
    for (const item of ordered) this.deliver(item.run, item.timer)
  }

  /** A crash loses the process: driver, timers, queued inputs, executions (killed by the caller). */
  crash (): void {
    const m = this.coordinator.metrics()
    for (const key of Object.keys(m) as Array<keyof CoordinatorMetrics>) this.pastMetrics[key] += m[key]
    this.status = 'down'
    this.queued = []
    this.incarnation += 1
    this.persistScheduled = false
  }

  restart (): void {
    this.status = 'up'
    this.busyUntil = 0
    this.membership = this.#newMembership()
    this.driver = this.#newDriver()
    this.monitor = this.#newMonitor()
    this.jobResults = new Map()
  }

  totalMetrics (): CoordinatorMetrics {
    const total = { ...this.pastMetrics }
    if (this.status !== 'down') {
      const m = this.coordinator.metrics()
      for (const key of Object.keys(m) as Array<keyof CoordinatorMetrics>) total[key] += m[key]
    }
    return total
  }

  #clock (): Clock {
    return { now: () => this.now(), wallNow: () => this.now() }
  }

  /** Timers of this incarnation, on this node's clock, delivered like any input. */
  #scheduler (): Scheduler {
    const incarnation = this.incarnation
    return {
      setTimeout: (fn, ms) => {
        const timer: SimTimer = { cancelled: false }
        // A hair late, as real timers are: converting through a drifting clock must not land a wake-up
        // a rounding error before the time it was asked for (the coordinator would ask again, forever).
        this.#q.at(this.simTime(this.now() + Math.max(0, ms)) + 1e-6, () => {
          if (timer.cancelled || this.incarnation !== incarnation) return
          this.deliver(() => {
            if (!timer.cancelled) fn()
          }, true)
        })
        return timer
      },
      clearTimeout: handle => {
        if (handle !== undefined) (handle as SimTimer).cancelled = true
      }
    }
  }

  #newMembership (): SimMembership {
    return new SimMembership({ peerId: this.peerId, slots: this.config.slots, capabilities: this.config.capabilities }, this.#sim.membership, this.now())
  }

  #newDriver (): CoordinatorDriver {
    const incarnation = this.incarnation
    const driver = new CoordinatorDriver({
      ports: this.#wiring.ports(this, incarnation),
      clock: this.#clock(),
      scheduler: this.#scheduler(),
      onError: (err, context) => {
        this.#wiring.onError(this, err, context)
      }
    }, { ...this.#sim.coordinator, self: this.peerId, slots: this.config.slots, capabilities: this.config.capabilities })
    // No awaits inside: the driver runs as soon as this returns.
    void driver.start()
    return driver
  }

  #newMonitor (): RoundTripMonitor {
    const incarnation = this.incarnation
    const monitor = new RoundTripMonitor({
      ping: this.#wiring.ping(this, incarnation),
      scheduler: this.#scheduler(),
      peers: () => this.#wiring.peers(this),
      report: (peer, rttMs) => {
        this.driver.roundTrip(peer, rttMs)
      },
      onError: (err, context) => {
        this.#wiring.onError(this, err, context)
      }
    }, { intervalMs: this.#sim.pingIntervalMs })
    void monitor.start()
    return monitor
  }
}
