import { TaskGroup } from '../../lifecycle/index.ts'
import { StepCoordinator } from '../core/coordinator.ts'
import type { LookupAnswer } from '../core/coordinator.ts'
import type { Clock, Scheduler, TimerHandle } from '../../lifecycle/index.ts'
import type { Startable } from '../../lifecycle/index.ts'
import type { CoordinatorInit } from '../core/options.ts'
import type { CoordinatorMessage, CoordinatorOutput, Effect, LookupScope } from '../core/effects.ts'
import type { CoordinatorSnapshot } from '../core/snapshot.ts'
import type { ClusterView, ExecutionRef, HeartbeatSummary, JobSpec, PeerId } from '../core/types.ts'
import type { DriverPorts, ExecutionReport, Pending } from './ports.ts'

export interface CoordinatorDriverComponents {
  ports: DriverPorts
  clock: Clock
  scheduler: Scheduler
  /** A port's task failed, or an input was refused: the driver goes on. */
  onError: (err: unknown, context: string) => void
}

/**
 * Runs one node's StepCoordinator: feeds it every input with the clock's time,
 * performs the effects it returns through the ports, and wakes it by the time
 * it asked for. This is the loop the daemon runs and the one the simulator
 * runs, with different ports and clocks. Inputs that arrive while effects are
 * being performed (a port answering at once) wait their turn, so effects are
 * always performed in the order the coordinator gave them.
 */
export class CoordinatorDriver implements Startable {
  readonly coordinator: StepCoordinator
  readonly #c: CoordinatorDriverComponents
  readonly #queue: Array<() => void> = []
  #tasks: TaskGroup
  #shutdown = new AbortController()
  #timer: TimerHandle | undefined
  #wakeAt = Number.POSITIVE_INFINITY
  #running = false
  #busy = false

  constructor (components: CoordinatorDriverComponents, init: CoordinatorInit) {
    this.#c = components
    this.coordinator = new StepCoordinator(init)
    this.#tasks = new TaskGroup(components.onError)
  }

  get running (): boolean {
    return this.#running
  }

  async start (): Promise<void> {
    if (this.#running) return
    this.#shutdown = new AbortController()
    this.#tasks = new TaskGroup(this.#c.onError)
    this.#running = true
  }

  /** Stops waking the coordinator, aborts what the ports are doing, and waits for their tasks. */
  async stop (): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.#shutdown.abort()
    this.#c.scheduler.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#wakeAt = Number.POSITIVE_INFINITY
    this.#queue.length = 0
    await this.#tasks.drain()
  }

  // --- inputs --------------------------------------------------------------------

  /** Resumes from a saved snapshot: before any other input (throws SnapshotInvalidError). */
  restore (snapshot: unknown): void {
    this.#input(now => this.coordinator.restore(snapshot, now), { rethrow: true })
  }

  /** A planned job; throws JobSpecInvalidError. */
  jobReceived (spec: JobSpec, options: { known?: ReadonlyMap<string, LookupAnswer | undefined>, scope?: LookupScope } = {}): void {
    this.#input(now => this.coordinator.onJobReceived(spec, now, options), { rethrow: true })
  }

  receive (message: CoordinatorMessage): void {
    this.#input(now => this.coordinator.onMessage(message, now))
  }

  heartbeat (from: PeerId, summary: HeartbeatSummary): void {
    this.#input(now => this.coordinator.onHeartbeat(from, summary, now))
  }

  viewChanged (view: ClusterView): void {
    this.#input(now => this.coordinator.onViewChanged(view, now))
  }

  roundTrip (peer: PeerId, rttMs: number): void {
    this.#input(now => this.coordinator.onRoundTrip(peer, rttMs, now))
  }

  cancel (jobId: string, reason?: string): void {
    this.#input(now => this.coordinator.cancelJob(jobId, now, reason))
  }

  tick (): void {
    this.#input(now => this.coordinator.tick(now))
  }

  snapshot (): CoordinatorSnapshot {
    return this.coordinator.snapshot()
  }

  now (): number {
    return this.#c.clock.now()
  }

  // --- the loop ------------------------------------------------------------------

  #input (handle: (now: number) => CoordinatorOutput, options: { rethrow?: boolean } = {}): void {
    if (!this.#running) return
    if (this.#busy) {
      // A port answered while effects were being performed: after them, in order.
      this.#queue.push(() => {
        this.#input(handle)
      })
      return
    }
    let output: CoordinatorOutput
    try {
      output = handle(this.#c.clock.now())
    } catch (err: unknown) {
      if (options.rethrow === true) throw err
      // An input the coordinator refuses must not stop the node.
      this.#c.onError(err, 'the coordinator refused an input')
      return
    }
    this.#busy = true
    try {
      for (const effect of output.effects) this.#perform(effect)
    } finally {
      this.#busy = false
    }
    this.#wake(output.nextWakeAt)
    while (this.#queue.length > 0 && !this.#busy && this.#running) (this.#queue.shift() as () => void)()
  }

  #wake (at: number): void {
    if (!this.#running || at >= this.#wakeAt) return
    this.#c.scheduler.clearTimeout(this.#timer)
    this.#wakeAt = at
    this.#timer = this.#c.scheduler.setTimeout(() => {
      this.#timer = undefined
      this.#wakeAt = Number.POSITIVE_INFINITY
      this.tick()
    }, Math.max(0, at - this.#c.clock.now()))
  }

  #perform (effect: Effect): void {
    const { ports } = this.#c
    const options = { signal: this.#shutdown.signal }
    try {
      switch (effect.type) {
        case 'publish':
          this.#track('publish', ports.transport.publish(effect.message, options))
          break
        case 'startExecution':
          this.#track('execution', ports.executor.start(effect.execution, this.#report(effect.execution), options))
          break
        case 'abortExecution':
          ports.executor.abort(effect.execution, effect.reason)
          break
        case 'lookupCache':
          this.#track(
            'cache lookup',
            ports.cache.lookup(effect.cacheIds, effect.scope, effect.deadline, (cacheId, cid, attestations) => {
              this.#input(now => this.coordinator.onCacheLookupResult(cacheId, cid, now, attestations))
            }, options)
          )
          break
        case 'putCacheRecord':
          this.#track('cache record', ports.cache.put(effect.cacheId, effect.cid, effect.stepType, effect.attestations, options))
          break
        case 'fetchJob':
          this.#track(
            'job fetch',
            ports.jobs.fetch(effect.jobId, effect.from, spec => {
              this.jobReceivedQuietly(spec)
            }, options)
          )
          break
        case 'jobFinished':
          this.#track('job outcome', ports.outcomes.jobFinished(effect.result, options))
          break
        case 'persist':
          this.#track('persist', ports.outcomes.persist(options))
          break
        case 'event':
          ports.outcomes.event(effect.event)
          break
      }
    } catch (err: unknown) {
      this.#c.onError(err, `effect ${effect.type}`)
    }
  }

  /** A fetched job: a malformed one is logged, not thrown at the port. */
  jobReceivedQuietly (spec: JobSpec): void {
    try {
      this.jobReceived(spec)
    } catch (err: unknown) {
      this.#c.onError(err, `job ${spec.jobId} refused`)
    }
  }

  #report (execution: ExecutionRef): ExecutionReport {
    return {
      finished: (cid, durationMs) => {
        this.#input(now => this.coordinator.onExecutionFinished(execution, cid, now, durationMs))
      },
      failed: (errorTail, lost) => {
        this.#input(now => this.coordinator.onExecutionFailed(execution, errorTail, now, lost))
      }
    }
  }

  #track (what: string, pending: Pending): void {
    if (pending !== undefined) this.#tasks.add(what, pending)
  }
}
