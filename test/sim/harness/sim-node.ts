import { StepCoordinator } from '../../../src/jobs/core/coordinator.ts'
import type { CoordinatorOutput, JobResult } from '../../../src/jobs/core/effects.ts'
import type { CoordinatorMetrics } from '../../../src/jobs/core/metrics.ts'
import { createMetrics } from '../../../src/jobs/core/metrics.ts'
import type { CoordinatorSnapshot } from '../../../src/jobs/core/snapshot.ts'
import type { ExecutionRef } from '../../../src/jobs/core/types.ts'
import type { NodeConfig, SimConfig } from './config.ts'
import { SimMembership } from './membership.ts'
import type { ExecRecord } from './truth.ts'

export type NodeInput = (c: StepCoordinator, now: number) => CoordinatorOutput | CoordinatorOutput[]

/** One simulated daemon: its coordinator, clock, process state, disk and running executions. */
export class SimNode {
  readonly index: number
  readonly peerId: string
  readonly config: NodeConfig
  status: 'up' | 'paused' | 'down' = 'up'
  coordinator: StepCoordinator
  incarnation = 0
  /** Only the newest scheduled tick counts. */
  wakeGen = 0
  /** Inputs that arrived while paused, processed on resume. */
  queued: NodeInput[] = []
  readonly executions = new Map<string, { ref: ExecutionRef, rec: ExecRecord }>()
  /** On disk: survives crashes. */
  persisted: CoordinatorSnapshot | undefined
  persistScheduled = false
  readonly localIndex = new Map<string, string>()
  membership: SimMembership
  /** Metrics of earlier incarnations. */
  readonly pastMetrics: CoordinatorMetrics = createMetrics()
  jobResults = new Map<string, JobResult>()
  readonly #sim: SimConfig

  constructor (index: number, peerId: string, config: NodeConfig, sim: SimConfig) {
    this.index = index
    this.peerId = peerId
    this.config = config
    this.#sim = sim
    this.coordinator = this.#newCoordinator()
    this.membership = new SimMembership(peerId, sim.membership)
  }

  localNow (simTime: number): number {
    return this.config.clockOffsetMs + simTime * (1 + this.config.drift)
  }

  simTime (local: number): number {
    return (local - this.config.clockOffsetMs) / (1 + this.config.drift)
  }

  /** A crash loses the process: coordinator, queued inputs, executions (killed by the caller). */
  crash (): void {
    const m = this.coordinator.metrics()
    for (const key of Object.keys(m) as Array<keyof CoordinatorMetrics>) this.pastMetrics[key] += m[key]
    this.status = 'down'
    this.queued = []
    this.wakeGen += 1
    this.persistScheduled = false
  }

  restart (): void {
    this.status = 'up'
    this.incarnation += 1
    this.coordinator = this.#newCoordinator()
    this.membership = new SimMembership(this.peerId, this.#sim.membership)
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

  #newCoordinator (): StepCoordinator {
    return new StepCoordinator({ ...this.#sim.coordinator, self: this.peerId, slots: this.config.slots, capabilities: this.config.capabilities })
  }
}
