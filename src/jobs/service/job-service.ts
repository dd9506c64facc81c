import { randomUUID } from 'node:crypto'
import PQueue from 'p-queue'
import { errorMessage } from '../../errors.ts'
import { describePlan } from '../../plan/index.ts'
import { plan as planRecipe } from '../../plan/index.ts'
import { validateRecipe } from '../../plan/index.ts'
import { systemClock, systemScheduler } from '../../lifecycle/index.ts'
import { ComponentRun } from '../../lifecycle/index.ts'
import { CoordinatorDriver } from '../driver/driver.ts'
import { RoundTripMonitor } from '../driver/round-trips.ts'
import { CancelNotAllowedError, JobLimitError, JobNotFoundError } from '../errors.ts'
import { apiEventOf } from './events.ts'
import { Executions } from './executions.ts'
import { documentFromMessage, jobIdOf, messageOf } from './job-document.ts'
import { forgedStatementsCounter, registerJobMetrics } from './metrics.ts'
import { JobOutputs } from './outputs.ts'
import { PartCopies } from './part-copies.ts'
import { InputCopies } from './input-copies.ts'
import { JobPlans } from './plans.ts'
import { ReceivedDocuments } from './received-documents.ts'
import { planJob } from './planning.ts'
import { ClusterCache } from './ports/cache.ts'
import { answerCounts } from './ports/cache.ts'
import type { KnownResults } from './ports/cache.ts'
import { StepExecutor } from './ports/executor.ts'
import { libp2pPing } from './ports/ping.ts'
import { JobTopics } from './ports/transport.ts'
import { SnapshotStore } from './snapshot-store.ts'
import { detailOf } from './views.ts'
import type { JobDocument } from './job-document.ts'
import type { PlannedJob } from './planning.ts'
import type { ApiEventInput, JobDetail, JobsBackend, JobState as ApiJobState, JobSubmitRequest, JobSummary, PlanDescriptionJson, RunningStep } from '../../api/index.ts'
import type { StepRunner } from '../../engine/index.ts'
import type { Clock, Scheduler } from '../../lifecycle/index.ts'
import type { AbortOptions, Startable } from '../../lifecycle/index.ts'
import type { Logger } from '../../log.ts'
import type { MembershipService } from '../../membership/index.ts'
import type { ArtdagNode } from '../../node/index.ts'
import type { StepCatalog } from '../../plan/index.ts'
import type { JobSubmittedMessage } from '../../protocol/index.ts'
import type { HeartbeatSummary } from '../core/types.ts'
import type { Registry } from 'prom-client'
import { defined, present } from '../../defined.ts'

export interface JobServiceComponents {
  node: Pick<ArtdagNode, 'peerId' | 'privateKey' | 'dht' | 'content' | 'cacheIndex' | 'helia' | 'libp2p'>
  membership: MembershipService
  /** Absent when this node has no working ffmpeg: it then runs no steps (and advertises none). */
  runner: StepRunner | undefined
  catalog: StepCatalog
  /** Where job and step events go (the daemon's event bus). */
  events: { emit: (event: ApiEventInput) => void }
  metrics: Registry
  logger: Logger
  /** This node's ffmpeg version, for provenance records. */
  ffmpegVersion: string | null
  /** @default systemClock */
  clock?: Clock
  /** @default systemScheduler */
  scheduler?: Scheduler
}

export interface JobServiceInit {
  topics: { submit: string, updates: string, leases: string, results: string }
  slots: number
  capabilities: string[]
  lease: { ttlMs: number, renewIntervalMs: number, settleMs: number, rankDelayMs: number, maxWaitMs?: number, maxHoldMs?: number }
  jobs: { maxAttempts: number, retryBackoffMs: number, replication: number, cacheLookupTimeoutMs: number, maxJobs: number, maxRunningPerSubmitter: number, inputCopies: number }
  /** Who decides a result and who may cancel (config `trust`). */
  trust: { confirmations: number, producers: readonly string[], operators: readonly string[] }
  dhtQueryTimeoutMs: number
  /** Job documents stay pinned (as intermediates) this long. */
  intermediateTtlMs: number
  version: string
}

/** How often what the adapter keeps per job is dropped for the jobs the coordinator has forgotten. */
const PRUNE_INTERVAL_MS = 60_000
/**
 * Work done per job in the background (storing the documents of jobs received, pinning outputs
 * and writing provenance records, reading back the documents of restored jobs) runs this many at
 * a time: a flood of jobs waits in line instead of holding thousands of reads and DAG walks open
 * at once (docs/BENCHMARKS.md, "Memory after a flood").
 */
const BACKGROUND_CONCURRENCY = 4
/** The signal of a service that is not running. */
const STOPPED = AbortSignal.abort()

/**
 * The job service: the daemon's side of the distributed scheduler. It runs
 * the coordinator's driver (src/jobs/driver) with the daemon's ports — the
 * job topics, the cluster cache (index + DHT), ffmpeg executions, job
 * documents, outputs and snapshots — feeds it membership views, heartbeats
 * and measured round trips, and serves `/v1/jobs`. The simulator runs the same
 * driver with virtual ports (test/sim/harness). docs/LEASES.md, "The
 * adapter's contract", is what the ports implement.
 */
export class JobService implements JobsBackend, Startable {
  readonly driver: CoordinatorDriver
  readonly #c: JobServiceComponents
  readonly #init: JobServiceInit
  readonly #log: Logger
  readonly #self: string
  readonly #clock: Clock
  readonly #scheduler: Scheduler
  readonly #executions: Executions | undefined
  readonly #snapshots: SnapshotStore
  readonly #outputs: JobOutputs
  readonly #plans: JobPlans
  readonly #documents: ReceivedDocuments
  readonly #parts: PartCopies
  readonly #inputs: InputCopies
  readonly #cache: ClusterCache
  readonly #topics: JobTopics
  readonly #monitor: RoundTripMonitor
  readonly #updatedAt = new Map<string, number>()
  /** Ends of each job still being handled (jobFinished calls in flight): its plan is released with the last. */
  readonly #finishing = new Map<string, number>()
  readonly #background = new PQueue({ concurrency: BACKGROUND_CONCURRENCY })
  readonly #unsubscribe: Array<() => void> = []
  /** What one start owns: its abort signal, the prune timer, the tasks stop() awaits. */
  #run: ComponentRun | undefined

  constructor (components: JobServiceComponents, init: JobServiceInit) {
    this.#c = components
    this.#init = init
    this.#log = components.logger.forComponent('artdag:jobs')
    this.#self = components.node.peerId.toString()
    this.#clock = components.clock ?? systemClock
    this.#scheduler = components.scheduler ?? systemScheduler
    this.#executions = components.runner !== undefined ? new Executions(components.runner, components.logger, this.#clock) : undefined
    this.#plans = new JobPlans({
      content: components.node.content,
      catalog: components.catalog,
      clock: this.#clock,
      ended: jobId => {
        const state = this.driver.coordinator.job(jobId, this.#clock.now())?.state
        return state !== undefined && state !== 'running'
      },
      background: this.#inBackground
    }, { intermediateTtlMs: init.intermediateTtlMs })
    const track = (task: string, promise: Promise<unknown>): void => {
      if (this.#run !== undefined) this.#run.track(task, promise)
      // Not started (or stopping): the copy's own promise reports its failure in its log.
      else promise.catch(() => {})
    }
    this.#parts = new PartCopies({
      self: this.#self,
      store: components.node.content,
      catalog: components.catalog,
      plan: async jobId => await this.#plans.peek(jobId),
      status: jobId => this.driver.coordinator.job(jobId, this.#clock.now()),
      track,
      signal: () => this.#signal,
      wallNow: () => this.#clock.wallNow(),
      logger: components.logger
    }, { intermediateTtlMs: init.intermediateTtlMs })
    this.#inputs = new InputCopies({
      self: this.#self,
      store: components.node.content,
      view: () => components.membership.membership.view(),
      slots: components.runner !== undefined ? init.slots : 0,
      track,
      signal: () => this.#signal,
      wallNow: () => this.#clock.wallNow(),
      logger: components.logger
    }, { copies: init.jobs.inputCopies, intermediateTtlMs: init.intermediateTtlMs })
    this.#cache = new ClusterCache({ node: components.node, self: this.#self, clock: this.#clock, logger: components.logger }, {
      dhtQueryTimeoutMs: init.dhtQueryTimeoutMs,
      cacheLookupTimeoutMs: init.jobs.cacheLookupTimeoutMs
    })
    const forged = forgedStatementsCounter(components.metrics)
    this.#topics = new JobTopics({
      membership: components.membership,
      privateKey: components.node.privateKey,
      self: this.#self,
      logger: components.logger,
      onForged: (kind, count) => {
        forged.inc({ kind }, count)
      },
      onJob: async message => {
        this.#monitor.active()
        await this.#receiveJob(message)
      },
      onCoordinatorMessage: message => {
        this.#monitor.active()
        this.driver.receive(message)
      },
      onResultReady: async message => {
        await this.#outputs.onResultReady(message)
      }
    }, { topics: init.topics })
    this.#outputs = new JobOutputs({
      self: this.#self,
      store: components.node.content,
      datastore: components.node.helia.datastore,
      membership: components.membership.membership,
      publish: async msg => {
        await this.#topics.publishResult(msg)
      },
      plan: async jobId => await this.#plans.get(jobId, { signal: this.#signal }),
      status: jobId => this.driver.coordinator.job(jobId, this.#clock.now()),
      background: this.#inBackground,
      events: components.events,
      ffmpegVersion: components.ffmpegVersion,
      version: init.version,
      logger: components.logger,
      clock: this.#clock,
      scheduler: this.#scheduler
    })
    this.driver = new CoordinatorDriver({
      ports: {
        transport: this.#topics,
        cache: this.#cache,
        executor: new StepExecutor({
          executions: this.#executions,
          plans: this.#plans,
          status: jobId => this.driver.coordinator.job(jobId, this.#clock.now()),
          self: this.#self
        }),
        jobs: {
          fetch: async (jobId, from, deliver, options) => {
            try {
              deliver((await this.#plans.get(jobId, { signal: options.signal, from: [from] })).spec)
            } catch (err: unknown) {
              // The peer may be gone: its next heartbeat mentioning the job asks again.
              if (!options.signal.aborted) this.#log.debug({ jobId, from, err }, 'cannot fetch a job a peer announced')
            }
          }
        },
        outcomes: {
          jobFinished: async result => {
            const { jobId } = result
            this.#updatedAt.set(jobId, this.#clock.wallNow())
            // A second end (the kept CID changed) may come while the first still pins: the plan goes with the last.
            this.#finishing.set(jobId, (this.#finishing.get(jobId) ?? 0) + 1)
            try {
              // The plan stays until the output is pinned: the provenance record is written from it,
              // not from the document (a received job's may not be stored here: received-documents.ts).
              if (result.state === 'completed') await this.#outputs.completed(result)
            } finally {
              const left = (this.#finishing.get(jobId) ?? 1) - 1
              if (left > 0) {
                this.#finishing.set(jobId, left)
              } else {
                this.#finishing.delete(jobId)
                this.#plans.finished(jobId)
              }
            }
          },
          persist: () => {
            this.#snapshots.schedule()
            return undefined
          },
          event: event => {
            this.#event(event)
          }
        }
      },
      clock: this.#clock,
      scheduler: this.#scheduler,
      onError: this.#onError
    }, {
      self: this.#self,
      slots: components.runner !== undefined ? init.slots : 0,
      capabilities: components.runner !== undefined ? init.capabilities : [],
      ttlMs: init.lease.ttlMs,
      renewIntervalMs: init.lease.renewIntervalMs,
      settleMs: init.lease.settleMs,
      rankDelayMs: init.lease.rankDelayMs,
      ...defined({ maxWaitMs: init.lease.maxWaitMs, maxHoldMs: init.lease.maxHoldMs }),
      confirmations: init.trust.confirmations,
      trustedProducers: init.trust.producers,
      operators: init.trust.operators,
      maxAttempts: init.jobs.maxAttempts,
      maxJobs: init.jobs.maxJobs,
      maxRunningPerSubmitter: init.jobs.maxRunningPerSubmitter,
      retryBackoffMs: init.jobs.retryBackoffMs,
      cacheLookupTimeoutMs: init.jobs.cacheLookupTimeoutMs,
      replication: init.jobs.replication
    })
    this.#documents = new ReceivedDocuments({
      store: async (jobId, doc) => {
        // Never rejects: a timer's store has nobody to tell, and stop() stores what is left itself.
        await this.#inBackground(async () => {
          await this.#plans.store(jobId, doc)
        }).catch((err: unknown) => {
          this.#log.warn({ err, job: jobId }, 'cannot store the document of a received job')
        })
      },
      running: jobId => this.driver.coordinator.job(jobId, this.#clock.now())?.state === 'running',
      after: (ms, fn) => this.#run?.after(ms, fn),
      track: (task, promise) => {
        this.#run?.track(task, promise)
      }
    })
    this.#snapshots = new SnapshotStore(components.node.helia.datastore, () => this.driver.snapshot(), components.logger, this.#scheduler)
    this.#monitor = new RoundTripMonitor({
      ping: libp2pPing(components.node.libp2p),
      scheduler: this.#scheduler,
      clock: this.#clock,
      // Quiet (pings every 18 s instead of 5) only while no job runs: docs/LEASES.md, "Samples".
      busy: () => this.driver.coordinator.hasRunningJobs(),
      peers: () => components.membership.membership.view().members.filter(m => m.state === 'alive' && m.peerId !== this.#self).map(m => m.peerId),
      report: (peer, rttMs) => {
        this.driver.roundTrip(peer, rttMs)
      },
      onError: this.#onError
    })
    registerJobMetrics(components.metrics, () => this.driver.coordinator.metrics())
  }

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.#run !== undefined) return
    const run = this.#run = new ComponentRun({ name: 'the job service', scheduler: this.#scheduler, onTaskError: this.#onError })
    try {
      const saved = await this.#snapshots.load()
      options.signal?.throwIfAborted()
      await this.driver.start()
      if (saved !== undefined) {
        try {
          this.driver.restore(saved)
        } catch (err: unknown) {
          // A snapshot this node cannot use loses its jobs, not the node.
          this.#log.error({ err }, 'cannot restore the saved job state; starting without it')
        }
      }
      // The plans of restored running jobs come back from their documents, stored when the jobs
      // arrived; a finished job's facts, when it is first shown.
      for (const job of this.driver.coordinator.jobs(this.#clock.now())) {
        if (job.state === 'running') run.track('plan of a restored job', this.#inBackground(async () => await this.#plans.get(job.jobId, { signal: this.#signal })))
      }
      await this.#outputs.load()
      this.#topics.start()
      const { membership } = this.#c
      this.#unsubscribe.push(membership.membership.onEvent(() => {
        this.#viewChanged()
      }))
      this.#unsubscribe.push(membership.heartbeats.onHeartbeat(hb => {
        this.driver.heartbeat(hb.peerId, { leases: hb.leases, jobs: hb.jobs })
      }))
      await this.#monitor.start()
      this.#viewChanged()
      // The coordinator forgets finished jobs after a while (finishedJobRetentionMs): so does the adapter.
      run.every(PRUNE_INTERVAL_MS, () => {
        this.#prune(run)
      })
    } catch (err: unknown) {
      await this.stop()
      throw err
    }
  }

  async stop (): Promise<void> {
    const run = this.#run
    if (run === undefined) return
    this.#run = undefined
    // From here a document's timer stores nothing: keepRunning below stores what still waits.
    this.#documents.stopping()
    for (const off of this.#unsubscribe.splice(0)) off()
    this.#topics.stop()
    await this.#monitor.stop()
    await this.driver.stop()
    await this.#executions?.stop()
    await this.#outputs.stop()
    // Before the background line closes: a restart plans the running jobs from their documents.
    await this.#documents.keepRunning(async (jobId, doc) => {
      await this.#plans.store(jobId, doc)
    }).catch((err: unknown) => {
      this.#log.warn({ err }, 'cannot store the documents of running jobs')
    })
    await run.end()
    await this.#snapshots.saveNow()
  }

  /** What this node's heartbeats carry about leases and jobs. */
  heartbeatSummary (): HeartbeatSummary {
    return this.driver.coordinator.heartbeatSummary(this.#clock.now())
  }

  runningSteps (): RunningStep[] {
    return (this.#executions?.list() ?? []).map(e => ({ cacheId: e.ref.cacheId, type: e.type, jobId: e.ref.jobId, startedAt: e.startedAt, progress: e.progress, frame: e.frame, speed: e.speed }))
  }

  jobCounts (): Record<ApiJobState, number> {
    const counts = { running: 0, completed: 0, failed: 0, cancelled: 0 }
    for (const job of this.driver.coordinator.jobs(this.#clock.now())) counts[job.state]++
    return counts
  }

  /** The settle window and rank delay in use, and the measured one-way delay per peer. */
  networkTiming (): ReturnType<CoordinatorDriver['coordinator']['networkTiming']> {
    return this.driver.coordinator.networkTiming(this.#clock.now())
  }

  // --- JobsBackend (the status socket's /v1/jobs) -------------------------------

  async submit (request: JobSubmitRequest): Promise<JobSummary> {
    const doc: JobDocument = {
      v: 1,
      kind: 'artdag/job',
      recipe: request.recipe,
      inputs: request.inputs,
      submitter: this.#self,
      submittedAt: this.#clock.wallNow(),
      nonce: randomUUID(),
      ...present({ label: request.label })
    }
    const jobId = await jobIdOf(doc)
    // Planning validates the recipe: a bad one is a 400 naming the node and field, and nothing is sent.
    const planned = planJob(jobId, doc, this.#c.catalog)
    // The cache is checked here, once for the cluster, before the job exists anywhere: the nodes
    // that will claim its steps then only check their own index, and nothing waits on the DHT.
    const [found] = await Promise.all([this.#cache.findSteps(planned.spec, this.#knownResults, this.#signal), this.#plans.store(jobId, doc)])
    // Lookups cut short because the output was found: those steps will not run, our index will do.
    this.#plans.set(planned)
    // Announced before the coordinator sees it: a job found all cached is running and completed at once.
    this.#c.events.emit({ type: 'job.submitted', job: jobId, recipe: planned.recipe.name, steps: planned.plan.steps.length })
    this.#monitor.active()
    this.driver.jobReceived(planned.spec, { known: found, scope: 'index' })
    // Saved before we answer (a job accepted from the user must survive a crash that follows at
    // once) but published at the same time: the other nodes need not wait for our disk.
    await Promise.all([this.#snapshots.saveNow(), this.#topics.publishJob({ ...messageOf(doc, jobId), checked: true })])
    return await this.#summary(jobId)
  }

  async list (filter: { state?: ApiJobState }): Promise<JobSummary[]> {
    const jobs = this.driver.coordinator.jobs(this.#clock.now()).filter(job => filter.state == null || job.state === filter.state)
    const out = await Promise.all(jobs.map(async job => await this.#summary(job.jobId)))
    return out.sort((a, b) => b.submittedAt - a.submittedAt)
  }

  async get (id: string): Promise<JobDetail> {
    const status = this.driver.coordinator.job(id, this.#clock.now())
    if (status == null) throw new JobNotFoundError(`no job ${id} is known to this node`, { jobId: id })
    return detailOf(status, await this.#plans.facts(id, this.#signal), this.#outputs.resultOf(id), this.#updatedAt.get(id))
  }

  async cancel (id: string): Promise<JobSummary> {
    if (this.driver.coordinator.job(id, this.#clock.now()) == null) throw new JobNotFoundError(`no job ${id} is known to this node`, { jobId: id })
    const submitter = (await this.#plans.facts(id, this.#signal))?.submitter
    if (submitter !== undefined && submitter !== this.#self && !this.#init.trust.operators.includes(this.#self)) {
      throw new CancelNotAllowedError(
        `job ${id} was submitted on node ${submitter}: only that node, or a node listed in trust.operators, may cancel it. Run artdag cancel there, or add this node's peer id (${this.#self}) to trust.operators on every node`,
        { jobId: id, submitter }
      )
    }
    this.driver.cancel(id, 'cancelled by the user')
    await this.#snapshots.saveNow()
    return await this.#summary(id)
  }

  async plan (request: JobSubmitRequest): Promise<PlanDescriptionJson> {
    const recipe = validateRecipe(request.recipe, this.#c.catalog)
    const planned = planRecipe(recipe, request.inputs, this.#c.catalog)
    return await describePlan(planned, async cacheId => answerCounts(this.#knownResults, cacheId, await this.#cache.find(cacheId, this.#init.jobs.cacheLookupTimeoutMs, this.#signal)))
  }

  /**
   * What the coordinator knows and decides about results, for the submitter's look-up: a result
   * it already holds, and whether a DHT record counts (its attestations, under trust.confirmations
   * and trust.producers: one member's record alone does not).
   */
  readonly #knownResults: KnownResults = {
    known: cacheId => this.driver.coordinator.knownResult(cacheId),
    counts: (cacheId, cid, attestations) => this.driver.coordinator.resultCounts(cacheId, cid, attestations)
  }

  async #summary (id: string): Promise<JobSummary> {
    const { steps: _steps, ...summary } = await this.get(id)
    return summary
  }

  // --- inputs from the network ------------------------------------------------

  async #receiveJob (msg: JobSubmittedMessage): Promise<void> {
    // Pubsub repeats itself (re-sends, gossip): a job already planned here needs nothing more.
    if (this.#plans.has(msg.jobId)) return
    let planned: PlannedJob
    try {
      // A member the others already count dead (its jobs would have no submitter to answer for them).
      if (this.#c.membership.membership.get(msg.submitter)?.state === 'dead') throw new JobLimitError(`job ${msg.jobId} comes from ${msg.submitter}, a member this node counts dead`, { jobId: msg.jobId })
      planned = planJob(msg.jobId, await documentFromMessage(msg), this.#c.catalog)
    } catch (err: unknown) {
      this.#refuse(msg, err)
      return
    }
    // Kept before the coordinator has the job: a job complete at once (all cached) writes its
    // provenance record from this plan, and this node may hold no copy of its document.
    this.#plans.set(planned)
    try {
      this.driver.jobReceived(planned.spec, msg.checked === true ? { scope: 'index' } : {})
    } catch (err: unknown) {
      this.#plans.forget(msg.jobId)
      this.#refuse(msg, err)
      return
    }
    this.#inputs.received(planned)
    // The submitter keeps the document; this node only if the job outlives RECEIVED_DOCUMENT_DELAY_MS.
    this.#documents.received(msg.jobId, planned.doc)
  }

  /** Every node plans the same way, so a job one node refuses, all refuse: nothing runs. */
  #refuse (msg: JobSubmittedMessage, err: unknown): void {
    this.#log.warn({ jobId: msg.jobId, from: msg.submitter, err }, 'refusing a submitted job')
    this.#c.events.emit({ type: 'job.refused', job: msg.jobId, peer: msg.submitter, error: errorMessage(err) })
  }

  #viewChanged (): void {
    this.driver.viewChanged(this.#c.membership.membership.view())
    this.#monitor.peersChanged()
  }

  #event (event: Parameters<typeof apiEventOf>[0]): void {
    if (event.kind === 'step') { for (const ref of event.refs) this.#updatedAt.set(ref.jobId, this.#clock.wallNow()) }
    if (event.kind === 'job') this.#updatedAt.set(event.jobId, this.#clock.wallNow())
    this.#c.events.emit(apiEventOf(event))
    if (event.kind === 'step' && event.state === 'COMPLETED') this.#parts.completed(event)
    switch (event.kind) {
      case 'step':
        this.#log.debug({ cacheId: event.cacheId, state: event.state, node: event.node, epoch: event.epoch }, 'step')
        break
      case 'job':
        this.#log.info({ jobId: event.jobId, state: event.state, output: event.outputCid }, 'job')
        break
      case 'pause':
        this.#log.warn({ gapMs: event.gapMs }, 'this process was paused: listening before claiming again')
        break
      case 'mismatch':
        this.#log.warn({ cacheId: event.cacheId, kept: event.kept, results: event.results }, 'nodes produced different bytes for one step: keeping one (executors differ: check their ffmpeg builds)')
        break
    }
  }

  #prune (run: ComponentRun): void {
    const known = new Set(this.driver.coordinator.jobs(this.#clock.now()).map(job => job.jobId))
    this.#plans.prune(known)
    this.#parts.forgetAllBut(known)
    this.#inputs.forgetAllBut(known)
    for (const id of this.#updatedAt.keys()) if (!known.has(id)) this.#updatedAt.delete(id)
    run.track('prune job results', this.#outputs.forgetAllBut(known))
  }

  /** Runs `work` in the background line; once the service stops, what is still waiting fails at once. */
  readonly #inBackground = async <T>(work: () => Promise<T>): Promise<T> =>
    await this.#background.add(async () => {
      this.#signal.throwIfAborted()
      return await work()
    })

  /** Aborted when the service stops (and before it starts). */
  get #signal (): AbortSignal {
    return this.#run?.signal ?? STOPPED
  }

  readonly #onError = (err: unknown, context: string): void => {
    if (this.#signal.aborted) return
    this.#log.error({ err, context }, 'job service error')
  }
}
