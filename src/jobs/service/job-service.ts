import { randomUUID } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { lookupLocalCache } from '../../engine/cache-lookup.ts'
import { describePlan } from '../../plan/describe.ts'
import { plan as planRecipe } from '../../plan/planner.ts'
import { validateRecipe } from '../../plan/validate.ts'
import { getCacheRecord, putCacheRecord } from '../../store/cache-records.ts'
import { LEASE_TOPIC, leaseCodec } from '../../protocol/messages/lease.ts'
import { submitCodec, updatesCodec } from '../../protocol/messages/jobs.ts'
import { resultsCodec } from '../../protocol/messages/results.ts'
import { StepCoordinator } from '../core/coordinator.ts'
import { JobNotFoundError } from '../errors.ts'
import { monotonicNow } from './clock.ts'
import { Executions } from './executions.ts'
import { documentFromMessage, jobIdOf, messageOf, parseJobDocument } from './job-document.ts'
import { JobOutputs } from './outputs.ts'
import { planJob } from './planning.ts'
import { SnapshotStore } from './snapshot-store.ts'
import { detailOf } from './views.ts'
import { registerJobMetrics } from './metrics.ts'
import type { JobDocument } from './job-document.ts'
import type { PlannedJob } from './planning.ts'
import type { JobsBackend } from '../../api/backend.ts'
import type { JobDetail, JobState as ApiJobState, JobSubmitRequest, JobSummary, PlanDescriptionJson, RunningStep } from '../../api/schemas.ts'
import type { EventBus } from '../../daemon/event-bus.ts'
import type { StepRunner } from '../../engine/step-runner.ts'
import type { Logger } from '../../log.ts'
import type { MembershipService } from '../../membership/membership-service.ts'
import type { ValidatedTopic } from '../../membership/validated-topic.ts'
import type { ArtdagNode } from '../../node/create-node.ts'
import type { StepCatalog } from '../../plan/catalog.ts'
import type { JobSubmittedMessage, UpdatesMessage } from '../../protocol/messages/jobs.ts'
import type { LeaseMessage } from '../../protocol/messages/lease.ts'
import type { ResultReadyMessage } from '../../protocol/messages/results.ts'
import type { CoordinatorEvent } from '../core/events.ts'
import type { CoordinatorMessage, CoordinatorOutput, Effect, JobResult } from '../core/effects.ts'
import type { ExecutionRef, HeartbeatSummary, JobSpec } from '../core/types.ts'
import type { Registry } from 'prom-client'

export interface JobServiceComponents {
  node: Pick<ArtdagNode, 'peerId' | 'privateKey' | 'dht' | 'content' | 'cacheIndex' | 'helia'>
  membership: MembershipService
  /** Absent when this node has no working ffmpeg: it then runs no steps (and advertises none). */
  runner: StepRunner | undefined
  catalog: StepCatalog
  events: EventBus
  metrics: Registry
  logger: Logger
  /** This node's ffmpeg version, for provenance records. */
  ffmpegVersion: string | null
}

export interface JobServiceInit {
  topics: { submit: string, updates: string, leases: string, results: string }
  slots: number
  capabilities: string[]
  lease: { ttlMs: number, renewIntervalMs: number, settleMs: number, rankDelayMs: number }
  jobs: { maxAttempts: number, retryBackoffMs: number, replication: number, cacheLookupTimeoutMs: number }
  dhtQueryTimeoutMs: number
  /** Job documents stay pinned (as intermediates) this long. */
  intermediateTtlMs: number
  version: string
}

/** How long a job document fetched for a heartbeat-announced job may take. */
const JOB_FETCH_TIMEOUT_MS = 30_000
/** How often what the adapter keeps per job is dropped for the jobs the coordinator has forgotten. */
const PRUNE_INTERVAL_MS = 60_000

/**
 * The job service: the adapter around the pure StepCoordinator (src/jobs/core).
 * It feeds the coordinator every input with a monotonic clock, performs the
 * effects it returns (pubsub, executions, cache lookups, DHT records, pins,
 * persistence), and calls it again by `nextWakeAt`. It also serves `/v1/jobs`.
 * docs/LEASES.md, "The adapter's contract", is what this file implements.
 */
export class JobService implements JobsBackend {
  readonly coordinator: StepCoordinator
  readonly #c: JobServiceComponents
  readonly #init: JobServiceInit
  readonly #log: Logger
  readonly #self: string
  readonly #executions: Executions | undefined
  readonly #snapshots: SnapshotStore
  readonly #outputs: JobOutputs
  readonly #plans = new Map<string, Promise<PlannedJob>>()
  readonly #updatedAt = new Map<string, number>()
  /** Lookups already done for a job this node submitted: answered from here, not again. */
  readonly #lookedUp = new Map<string, string | undefined>()
  /** Steps whose submitter checked the DHT: only the local index is left to check. */
  readonly #checkedBySubmitter = new Set<string>()
  readonly #topics: { submit: ValidatedTopic<JobSubmittedMessage>, updates: ValidatedTopic<UpdatesMessage>, leases: ValidatedTopic<LeaseMessage>, results: ValidatedTopic<ResultReadyMessage> }
  readonly #unsubscribe: Array<() => void> = []
  readonly #shutdown = new AbortController()
  #timer: NodeJS.Timeout | undefined
  #pruneTimer: NodeJS.Timeout | undefined
  #wakeAt = Number.POSITIVE_INFINITY
  #running = false

  constructor (components: JobServiceComponents, init: JobServiceInit) {
    this.#c = components
    this.#init = init
    this.#log = components.logger.forComponent('artdag:jobs')
    this.#self = components.node.peerId.toString()
    this.coordinator = new StepCoordinator({
      self: this.#self,
      slots: components.runner != null ? init.slots : 0,
      capabilities: components.runner != null ? init.capabilities : [],
      ttlMs: init.lease.ttlMs,
      renewIntervalMs: init.lease.renewIntervalMs,
      settleMs: init.lease.settleMs,
      rankDelayMs: init.lease.rankDelayMs,
      maxAttempts: init.jobs.maxAttempts,
      retryBaseDelayMs: init.jobs.retryBackoffMs,
      lookupTimeoutMs: init.jobs.cacheLookupTimeoutMs,
      pinReplicas: init.jobs.replication
    })
    this.#executions = components.runner != null ? new Executions(components.runner, components.logger) : undefined
    this.#snapshots = new SnapshotStore(components.node.helia.datastore, () => this.coordinator.snapshot(), components.logger)
    this.#outputs = new JobOutputs({
      self: this.#self,
      store: components.node.content,
      datastore: components.node.helia.datastore,
      membership: components.membership.membership,
      publish: async msg => { await this.#topics.results.publish(msg) },
      plan: async jobId => await this.#planOf(jobId),
      status: jobId => this.coordinator.job(jobId, monotonicNow()),
      events: components.events,
      ffmpegVersion: components.ffmpegVersion,
      version: init.version,
      logger: components.logger
    })
    const { membership } = components
    this.#topics = {
      submit: membership.memberOnlyTopic<JobSubmittedMessage>({
        topic: init.topics.submit,
        codec: submitCodec,
        authorOf: m => m.submitter,
        onMessage: async m => { await this.#receiveJob(m) }
      }),
      updates: membership.memberOnlyTopic<UpdatesMessage>({
        topic: init.topics.updates,
        codec: updatesCodec,
        authorOf: m => m.type === 'job_cancelled' ? m.by : m.sender,
        onMessage: m => { this.#input(now => this.coordinator.onMessage(m, now)) }
      }),
      leases: membership.memberOnlyTopic<LeaseMessage>({
        topic: init.topics.leases,
        codec: leaseCodec,
        authorOf: m => m.type === 'lease_state' ? m.sender : m.holder,
        onMessage: m => { this.#input(now => this.coordinator.onMessage(m, now)) }
      }),
      results: membership.memberOnlyTopic<ResultReadyMessage>({
        topic: init.topics.results,
        codec: resultsCodec,
        authorOf: m => m.pinnedBy,
        onMessage: async m => { await this.#outputs.onResultReady(m) }
      })
    }
    registerJobMetrics(components.metrics, () => this.coordinator.metrics())
  }

  async start (): Promise<void> {
    if (this.#running) return
    this.#running = true
    const { membership } = this.#c
    const saved = await this.#snapshots.load()
    if (saved !== undefined) {
      try {
        this.#apply(this.coordinator.restore(saved, monotonicNow()))
      } catch (err) {
        this.#log.error({ err: (err as Error).message }, 'cannot restore the saved job state; starting without it')
      }
    }
    // The plans of restored jobs come back from their documents, stored when the jobs arrived.
    for (const job of this.coordinator.jobs(monotonicNow())) this.#planOf(job.jobId).catch(() => {})
    await this.#outputs.load()
    for (const t of Object.values(this.#topics)) t.start()
    this.#unsubscribe.push(membership.membership.onEvent(() => { this.#viewChanged() }))
    this.#unsubscribe.push(membership.heartbeats.onHeartbeat(hb => {
      this.#input(now => this.coordinator.onHeartbeat(hb.peerId, { leases: hb.leases, jobs: hb.jobs }, now))
    }))
    this.#viewChanged()
    this.#pruneTimer = setInterval(() => { void this.#prune() }, PRUNE_INTERVAL_MS)
  }

  async stop (): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.#shutdown.abort()
    for (const off of this.#unsubscribe.splice(0)) off()
    if (this.#timer != null) clearTimeout(this.#timer)
    this.#timer = undefined
    clearInterval(this.#pruneTimer)
    for (const t of Object.values(this.#topics)) t.stop()
    await this.#executions?.stop()
    await this.#outputs.stop()
    await this.#snapshots.saveNow()
  }

  /** What this node's heartbeats carry about leases and jobs. */
  heartbeatSummary (): HeartbeatSummary {
    return this.coordinator.heartbeatSummary(monotonicNow())
  }

  runningSteps (): RunningStep[] {
    return (this.#executions?.list() ?? []).map(e => ({ cacheId: e.ref.cacheId, type: e.type, jobId: e.ref.jobId, startedAt: e.startedAt, progress: e.progress }))
  }

  jobCounts (): Record<ApiJobState, number> {
    const counts = { running: 0, completed: 0, failed: 0, cancelled: 0 }
    for (const job of this.coordinator.jobs(monotonicNow())) counts[job.state]++
    return counts
  }

  // --- JobsBackend (the status socket's /v1/jobs) -------------------------------

  async submit (request: JobSubmitRequest): Promise<JobSummary> {
    const doc: JobDocument = {
      v: 1,
      kind: 'artdag/job',
      recipe: request.recipe,
      inputs: request.inputs,
      submitter: this.#self,
      submittedAt: Date.now(),
      nonce: randomUUID(),
      ...(request.label != null ? { label: request.label } : {})
    }
    const jobId = await jobIdOf(doc)
    // Planning validates the recipe: a bad one is a 400 naming the node and field, and nothing is sent.
    const planned = planJob(jobId, doc, this.#c.catalog)
    // The cache is checked here, once for the cluster, before the job exists anywhere: the nodes
    // that will claim its steps then only check their own index, and nothing waits on the DHT.
    const [found] = await Promise.all([this.#findCachedSteps(planned.spec), this.#storeDocument(jobId, doc)])
    // Lookups cut short because the output was found: those steps will not run, our index will do.
    this.#handOver(jobId, planned, found, planned.spec.steps.map(step => step.cacheId).filter(cacheId => !found.has(cacheId)))
    this.#c.events.publish({ type: 'job.submitted', job: jobId, recipe: planned.recipe.name, steps: planned.plan.steps.length })
    // Saved before we answer (a job accepted from the user must survive a crash that follows at
    // once) but published at the same time: the other nodes need not wait for our disk.
    await Promise.all([this.#snapshots.saveNow(), this.#topics.submit.publish({ ...messageOf(doc, jobId), checked: true })])
    return await this.#summary(jobId)
  }

  async list (filter: { state?: ApiJobState }): Promise<JobSummary[]> {
    const jobs = this.coordinator.jobs(monotonicNow()).filter(job => filter.state == null || job.state === filter.state)
    const out = await Promise.all(jobs.map(async job => await this.#summary(job.jobId)))
    return out.sort((a, b) => b.submittedAt - a.submittedAt)
  }

  async get (id: string): Promise<JobDetail> {
    const status = this.coordinator.job(id, monotonicNow())
    if (status == null) throw new JobNotFoundError(`no job ${id} is known to this node`, { jobId: id })
    const planned = await this.#planOf(id).catch(() => undefined)
    return detailOf(status, planned, this.#outputs.resultOf(id), this.#updatedAt.get(id))
  }

  async cancel (id: string): Promise<JobSummary> {
    if (this.coordinator.job(id, monotonicNow()) == null) throw new JobNotFoundError(`no job ${id} is known to this node`, { jobId: id })
    this.#input(now => this.coordinator.cancelJob(id, now, 'cancelled by the user'))
    await this.#snapshots.saveNow()
    return await this.#summary(id)
  }

  async plan (request: JobSubmitRequest): Promise<PlanDescriptionJson> {
    const recipe = validateRecipe(request.recipe, this.#c.catalog)
    const planned = planRecipe(recipe, request.inputs, this.#c.catalog)
    return await describePlan(planned, async cacheId => (await this.#findCached(cacheId, this.#init.jobs.cacheLookupTimeoutMs)) != null)
  }

  async #summary (id: string): Promise<JobSummary> {
    const { steps: _steps, ...summary } = await this.get(id)
    return summary
  }

  /** The coordinator forgets finished jobs after a while (finishedJobRetentionMs): so does the adapter. */
  async #prune (): Promise<void> {
    const known = new Set(this.coordinator.jobs(monotonicNow()).map(job => job.jobId))
    for (const id of [...this.#plans.keys()]) if (!known.has(id)) this.#plans.delete(id)
    for (const id of [...this.#updatedAt.keys()]) if (!known.has(id)) this.#updatedAt.delete(id)
    await this.#outputs.forgetAllBut(known).catch((err: Error) => { this.#log.warn({ err: err.message }, 'cannot prune job results') })
  }

  // --- the coordinator loop -----------------------------------------------------

  /** Runs one input through the coordinator and performs what it returns. */
  #input (handle: (now: number) => CoordinatorOutput): void {
    if (!this.#running) return
    let output: CoordinatorOutput
    try {
      output = handle(monotonicNow())
    } catch (err) {
      // An input the coordinator refuses (a malformed job spec, say) must not stop the daemon.
      this.#log.error({ err: (err as Error).message }, 'the coordinator refused an input')
      return
    }
    this.#apply(output)
  }

  #apply (output: CoordinatorOutput): void {
    for (const effect of output.effects) {
      try {
        this.#perform(effect)
      } catch (err) {
        this.#log.error({ effect: effect.type, err: (err as Error).message }, 'effect failed')
      }
    }
    this.#wake(output.nextWakeAt)
  }

  #wake (at: number): void {
    if (!this.#running || at >= this.#wakeAt) return
    if (this.#timer != null) clearTimeout(this.#timer)
    this.#wakeAt = at
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#wakeAt = Number.POSITIVE_INFINITY
      this.#input(now => this.coordinator.tick(now))
    }, Math.max(0, at - monotonicNow()))
  }

  #perform (effect: Effect): void {
    switch (effect.type) {
      case 'publish': this.#publish(effect.topic, effect.message); break
      case 'startExecution': void this.#startExecution(effect.execution); break
      case 'abortExecution': this.#executions?.abort(effect.execution, effect.reason); break
      case 'lookupCache':
        for (const cacheId of effect.cacheIds) {
          if (this.#lookedUp.has(cacheId)) {
            const cid = this.#lookedUp.get(cacheId)
            this.#lookedUp.delete(cacheId)
            // After this output's other effects, as if the answer had come back from the store.
            queueMicrotask(() => { this.#input(now => this.coordinator.onCacheLookupResult(cacheId, cid, now)) })
          } else {
            void this.#lookup(cacheId, effect.deadline)
          }
        }
        break
      case 'putCacheRecord': void this.#putCacheRecord(effect.cacheId, effect.cid, effect.stepType); break
      case 'fetchJob': void this.#fetchJob(effect.jobId, effect.from); break
      case 'jobFinished': this.#jobFinished(effect.result); break
      case 'persist': this.#snapshots.schedule(); break
      case 'event': this.#event(effect.event); break
    }
  }

  #publish (coreTopic: string, message: CoordinatorMessage): void {
    const send = coreTopic === LEASE_TOPIC
      ? this.#topics.leases.publish(message as LeaseMessage)
      : this.#topics.updates.publish(message as UpdatesMessage)
    send.catch((err: Error) => { this.#log.warn({ type: message.type, err: err.message }, 'publish failed') })
  }

  #viewChanged (): void {
    const view = this.#c.membership.membership.view()
    this.#input(now => this.coordinator.onViewChanged(view, now))
  }

  async #startExecution (ref: ExecutionRef): Promise<void> {
    try {
      if (this.#executions == null) throw new Error('this node has no usable ffmpeg')
      const planned = await this.#planOf(ref.jobId)
      const step = planned.plan.steps.find(s => s.id === ref.stepId)
      if (step == null) throw new Error(`the plan of job ${ref.jobId} has no step ${ref.stepId}`)
      const status = this.coordinator.job(ref.jobId, monotonicNow())
      const from = new Set<string>()
      const inputCids = step.inputs.map(input => {
        if (input.kind === 'input') return input.cid
        const upstream = status?.steps.find(s => s.stepId === input.id)
        if (upstream?.cid == null) throw new Error(`input ${input.id} of step ${ref.stepId} has no result yet`)
        if (upstream.node != null && upstream.node !== this.#self) from.add(upstream.node)
        return upstream.cid
      })
      this.#executions.start(ref, step, inputCids, {
        finished: (r, cid, durationMs) => { this.#input(now => this.coordinator.onExecutionFinished(r, cid, now, durationMs)) },
        failed: (r, errorTail) => { this.#input(now => this.coordinator.onExecutionFailed(r, errorTail, now)) }
      }, { from: [...from] })
    } catch (err) {
      const message = (err as Error).message
      this.#input(now => this.coordinator.onExecutionFailed(ref, message, now))
    }
  }

  /**
   * Gives a planned job to the coordinator. The lookups it asks for (synchronously, in
   * `onJobReceived`) take `answers` as found and check only this node's index for `indexOnly`
   * (the DHT was already asked); neither outlives the call.
   */
  #handOver (jobId: string, planned: PlannedJob, answers: Map<string, string | undefined>, indexOnly: string[]): void {
    this.#plans.set(jobId, Promise.resolve(planned))
    for (const [cacheId, cid] of answers) this.#lookedUp.set(cacheId, cid)
    for (const cacheId of indexOnly) this.#checkedBySubmitter.add(cacheId)
    this.#input(now => this.coordinator.onJobReceived(planned.spec, now))
    for (const cacheId of answers.keys()) this.#lookedUp.delete(cacheId)
    for (const cacheId of indexOnly) this.#checkedBySubmitter.delete(cacheId)
  }

  /** Answers the coordinator's lookup effect, by its deadline. */
  async #lookup (cacheId: string, deadline: number): Promise<void> {
    // The submitter checked the DHT a moment ago: our own index is all that is left.
    const dhtChecked = this.#checkedBySubmitter.delete(cacheId)
    const cid = await this.#findCached(cacheId, dhtChecked ? 0 : Math.floor(deadline - monotonicNow()))
    this.#input(now => this.coordinator.onCacheLookupResult(cacheId, cid, now))
  }

  /**
   * Every step of a new job looked up at once. A result this node already heard of (a job it keeps
   * completed it) needs no lookup. A hit on the job's output ends the search: nothing upstream of
   * it will run, so a cached resubmit waits for one lookup at most, not for the slowest of all.
   * Returns the answers that came back (cut-short lookups are left out).
   */
  async #findCachedSteps (spec: JobSpec): Promise<Map<string, string | undefined>> {
    const found = new Map<string, string | undefined>()
    const output = spec.steps.find(step => step.stepId === spec.output)?.cacheId
    const outputKnown = output != null ? this.coordinator.knownResult(output) : undefined
    if (output != null && outputKnown != null) return found.set(output, outputKnown)
    const outputFound = new AbortController()
    await Promise.all(spec.steps.map(async step => {
      const cid = this.coordinator.knownResult(step.cacheId) ??
        await this.#findCached(step.cacheId, this.#init.jobs.cacheLookupTimeoutMs, outputFound.signal)
      if (outputFound.signal.aborted && step.cacheId !== output) return
      found.set(step.cacheId, cid)
      if (cid != null && step.cacheId === output) outputFound.abort()
    }))
    return found
  }

  /** The cached result of a cache id: local index (with the content still here), then the DHT. A failure is a miss. */
  async #findCached (cacheId: string, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    try {
      const { cacheIndex, content, dht } = this.#c.node
      const stop = signal != null ? AbortSignal.any([this.#shutdown.signal, signal]) : this.#shutdown.signal
      const local = await lookupLocalCache(cacheIndex, content, cacheId, { signal: stop })
      if (local != null || timeoutMs <= 0) return local
      const record = await getCacheRecord(dht, cacheId, { signal: stop, timeoutMs: Math.min(timeoutMs, this.#init.dhtQueryTimeoutMs) })
      return record?.cid
    } catch (err) {
      if (!this.#shutdown.signal.aborted) this.#log.debug({ cacheId, err: (err as Error).message }, 'cache lookup failed: a miss')
      return undefined
    }
  }

  async #putCacheRecord (cacheId: string, cid: string, stepType: string): Promise<void> {
    const entry = { cacheId, cid, producer: this.#self, createdAt: Date.now(), ...(stepType !== '' ? { stepType } : {}) }
    try {
      await this.#c.node.cacheIndex.put(entry)
      const result = await putCacheRecord(this.#c.node.dht, entry, this.#c.node.privateKey, { signal: this.#shutdown.signal, timeoutMs: this.#init.dhtQueryTimeoutMs })
      this.#log.debug({ cacheId, peers: result.peers }, 'cache record put')
    } catch (err) {
      if (!this.#shutdown.signal.aborted) this.#log.warn({ cacheId, err: (err as Error).message }, 'cannot put the cache record')
    }
  }

  async #receiveJob (msg: JobSubmittedMessage): Promise<void> {
    // Pubsub repeats itself (re-sends, gossip): a job already planned here needs nothing more.
    if (this.#plans.has(msg.jobId)) return
    let planned: PlannedJob
    try {
      planned = planJob(msg.jobId, await documentFromMessage(msg), this.#c.catalog)
    } catch (err) {
      // Every node plans the same way, so a job one node refuses, all refuse: nothing runs.
      this.#log.warn({ jobId: msg.jobId, from: msg.submitter, err: (err as Error).message }, 'refusing a submitted job')
      this.#c.events.publish({ type: 'job.refused', job: msg.jobId, peer: msg.submitter, error: (err as Error).message })
      return
    }
    this.#handOver(msg.jobId, planned, new Map(), msg.checked === true ? planned.spec.steps.map(step => step.cacheId) : [])
    // Stored after the coordinator has the job: keeping the document (for peers and restarts) is not on the claim path.
    this.#storeDocument(msg.jobId, planned.doc).catch((err: Error) => { this.#log.warn({ jobId: msg.jobId, err: err.message }, 'cannot store the job document') })
  }

  async #fetchJob (jobId: string, from: string): Promise<void> {
    try {
      const planned = await this.#planOf(jobId, [from])
      this.#input(now => this.coordinator.onJobReceived(planned.spec, now))
    } catch (err) {
      this.#plans.delete(jobId)
      if (!this.#shutdown.signal.aborted) this.#log.debug({ jobId, from, err: (err as Error).message }, 'cannot fetch a job a peer announced')
    }
  }

  /** The plan of a job: planned once, from its document (local, or fetched from `from`). */
  async #planOf (jobId: string, from?: string[]): Promise<PlannedJob> {
    let planned = this.#plans.get(jobId)
    if (planned == null) {
      planned = (async () => {
        const signal = AbortSignal.any([this.#shutdown.signal, AbortSignal.timeout(JOB_FETCH_TIMEOUT_MS)])
        const doc = parseJobDocument(await this.#c.node.content.getJson(CID.parse(jobId), { signal, ...(from != null ? { from } : {}) }), jobId)
        const result = planJob(jobId, doc, this.#c.catalog)
        await this.#storeDocument(jobId, doc)
        return result
      })()
      this.#plans.set(jobId, planned)
    }
    return await planned
  }

  /** Keeps the document here, pinned for a while: peers fetch it from us, and a restart re-plans from it. */
  async #storeDocument (jobId: string, doc: JobDocument): Promise<void> {
    const cid = await this.#c.node.content.putJson(doc, { pin: { kind: 'intermediate', expiresAt: Date.now() + this.#init.intermediateTtlMs, labels: { job: jobId } } })
    if (cid.toString() !== jobId) this.#log.warn({ jobId, stored: cid.toString() }, 'job document stored under another CID')
  }

  #jobFinished (result: JobResult): void {
    this.#updatedAt.set(result.jobId, Date.now())
    if (result.state === 'completed') void this.#outputs.completed(result)
    this.#snapshots.schedule()
  }

  #event (event: CoordinatorEvent): void {
    const bus = this.#c.events
    if (event.kind === 'step') {
      for (const ref of event.refs) this.#updatedAt.set(ref.jobId, Date.now())
      const ref = event.refs[0]
      bus.publish({
        type: `step.${event.state.toLowerCase()}`,
        ...(ref != null ? { job: ref.jobId, step: ref.stepId } : {}),
        jobs: event.refs.map(r => r.jobId),
        cacheId: event.cacheId,
        peer: event.node,
        epoch: event.epoch,
        attempt: event.attempt,
        ...(event.waitedMs != null ? { waitedMs: event.waitedMs } : {}),
        ...(event.durationMs != null ? { durationMs: event.durationMs } : {}),
        ...(event.reason != null ? { reason: event.reason } : {}),
        ...(event.errorTail != null ? { error: event.errorTail } : {})
      })
      this.#log.debug({ cacheId: event.cacheId, state: event.state, node: event.node, epoch: event.epoch }, 'step')
    } else if (event.kind === 'job') {
      this.#updatedAt.set(event.jobId, Date.now())
      bus.publish({ type: `job.${event.state}`, job: event.jobId, ...(event.outputCid != null ? { output: event.outputCid } : {}), ...(event.errorTail != null ? { error: event.errorTail } : {}) })
      this.#log.info({ jobId: event.jobId, state: event.state, output: event.outputCid }, 'job')
    } else {
      bus.publish({ type: 'node.paused', gapMs: event.gapMs })
      this.#log.warn({ gapMs: event.gapMs }, 'this process was paused: listening before claiming again')
    }
  }
}
