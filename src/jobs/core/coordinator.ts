import { LeaseTable } from '../../lease/index.ts'
import type { LeaseStatus } from '../../lease/index.ts'
import { DEFAULT_MAX_SAMPLE_AGE_MS, DEFAULT_TIMING_MARGIN_MS, DEFAULT_TIMING_WINDOW, NetworkTiming } from '../../lease/index.ts'
import { ScoreCache } from '../../lease/index.ts'
import { JobBook } from './job-book.ts'
import { countDuplicate, rankDelayMs, settleMs } from './state.ts'
import type { Core } from './state.ts'
import { JobLimitError } from '../errors.ts'
import { Outbox } from './effects.ts'
import type { CoordinatorMessage, CoordinatorOutput, LookupScope } from './effects.ts'
import { collectGarbage } from './gc.ts'
import { handleHeartbeat } from './heartbeat.ts'
import { handleMessage } from './inbound.ts'
import { checkJobSpec } from './job-spec.ts'
import { cancelJob, mayCancel, recordCompletion, recordFailures, settleJob, settleOpenJobs } from './lifecycle.ts'
import { acceptResult, beyondQuorum, settleVotes, wouldConfirm } from './results.ts'
import { createMetrics } from './metrics.ts'
import type { CoordinatorMetrics } from './metrics.ts'
import { GC_INTERVAL_MS, LAG_THRESHOLD_MS, MAX_LAG_DEFERRALS, resolveCoordinatorOptions } from './options.ts'
import type { CoordinatorInit, CoordinatorOptions } from './options.ts'
import { counts, judgeLoss, lostInputs, rejudgeLosses } from './losses.ts'
import { clipTail, publishCancelled, publishCompleted, publishFailed, publishLoss, publishRelease } from './outbound.ts'
import { schedule } from './scheduler.ts'
import { parseSnapshot, takeSnapshot } from './snapshot.ts'
import type { CoordinatorSnapshot } from './snapshot.ts'
import { jobStatus } from './status.ts'
import type { JobStatus } from './status.ts'
import type { Attestation, ClusterView, ExecutionRef, HeartbeatSummary, JobSpec, PeerId } from './types.ts'
import { MAX_KNOWN_JOBS } from '../../protocol/light/index.ts'

/** At most this many cancellations go into a heartbeat (newest first): the rest of the room is for outcomes. */
const MAX_ANNOUNCED_CANCELS = 32
import { MAX_LEASES_PER_MESSAGE } from '../../protocol/light/index.ts'
import { defined } from '../../defined.ts'

/**
 * One node's share of the distributed scheduler, as a pure state machine:
 * every input is a method call with the local time `now` (ms, monotonic), and
 * returns the effects for the adapter to perform plus the time by which it
 * must call `tick()` again. No timers, no I/O, no randomness: the same inputs
 * give the same outputs, which is what the simulator relies on.
 */
/**
 * The limits a new job must fit (throws JobLimitError): its submitter's running
 * jobs, and the jobs kept (the oldest finished ones make room first).
 */
function admit (core: Core, spec: JobSpec): void {
  const o = core.o
  if (spec.submitter !== undefined) {
    let running = 0
    for (const job of core.book.jobs.values()) if (job.state === 'running' && job.spec.submitter === spec.submitter) running++
    if (running >= o.maxRunningPerSubmitter) {
      core.metrics.jobsRefused += 1
      throw new JobLimitError(`node ${spec.submitter} already has ${running} running jobs, the most one node may have at once (config jobs.maxRunningPerSubmitter): wait for some to finish`, {
        jobId: spec.jobId,
        submitter: spec.submitter,
        running
      })
    }
  }
  if (core.book.jobs.size < o.maxJobs) return
  const finished = [...core.book.jobs.values()].filter(j => j.state !== 'running').sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0))
  for (const job of finished.slice(0, core.book.jobs.size - o.maxJobs + 1)) core.book.removeJob(job.jobId)
  if (core.book.jobs.size >= o.maxJobs) {
    core.metrics.jobsRefused += 1
    throw new JobLimitError(`this node keeps ${core.book.jobs.size} running jobs, its limit (config jobs.maxJobs): wait for some to finish`, { jobId: spec.jobId })
  }
}

/** What a cache lookup found: the CID and, for a DHT record, the attestations that make it count. */
export interface LookupAnswer {
  cid: string
  attestations?: readonly Attestation[] | undefined
}

export class StepCoordinator {
  readonly #core: Core

  constructor (init: CoordinatorInit) {
    const o = resolveCoordinatorOptions(init)
    const scores = new ScoreCache()
    this.#core = {
      o,
      book: new JobBook(),
      leases: new LeaseTable(o.self, o.lease, scores),
      scores,
      timing: new NetworkTiming({
        settleFloorMs: o.lease.settleMs,
        rankDelayFloorMs: o.lease.rankDelayMs,
        maxWaitMs: o.lease.maxWaitMs,
        unknownOneWayMs: o.lease.unknownOneWayMs,
        marginMs: DEFAULT_TIMING_MARGIN_MS,
        window: DEFAULT_TIMING_WINDOW,
        maxSampleAgeMs: DEFAULT_MAX_SAMPLE_AGE_MS
      }),
      metrics: createMetrics(),
      members: new Map(),
      quietUntil: Number.POSITIVE_INFINITY,
      lastInputAt: undefined,
      promisedDecision: undefined,
      lagDeferred: 0,
      lastPauseAt: undefined,
      announceCursor: 0,
      nextRenewAt: undefined,
      answered: new Map(),
      duplicatesCounted: new Set(),
      jobFetches: new Map(),
      lastGcAt: 0
    }
  }

  get self (): PeerId {
    return this.#core.o.self
  }

  get options (): CoordinatorOptions {
    return this.#core.o
  }

  /** A decoded message from LEASE_TOPIC or JOBS_TOPIC (the adapter checked its author). */
  onMessage (msg: CoordinatorMessage, now: number): CoordinatorOutput {
    return this.#run(now, (out, now) => handleMessage(this.#core, out, msg, now))
  }

  /** The lease and job part of a peer's heartbeat. */
  onHeartbeat (from: PeerId, summary: HeartbeatSummary, now: number): CoordinatorOutput {
    return this.#run(now, (out, now) => handleHeartbeat(this.#core, out, from, summary, now))
  }

  /**
   * The membership layer's current view. Failed jobs are judged again: whether
   * a step failed for good depends on which capable nodes are alive.
   */
  onViewChanged (view: ClusterView, now: number): CoordinatorOutput {
    return this.#run(now, (out, now) => {
      this.#core.members = new Map(view.members.filter(m => m.peerId !== this.self).map(m => [m.peerId, { ...m, capabilitySet: new Set(m.capabilities) }]))
      settleVotes(this.#core, out, now)
      // Results whose every holder is dead now may be lost (losses.ts).
      rejudgeLosses(this.#core, out, now)
      settleOpenJobs(this.#core, out, now)
    })
  }

  /** A round trip to `peer` was measured (ms): the settle window and rank delays follow the network. */
  onRoundTrip (peer: PeerId, rttMs: number, now: number): CoordinatorOutput {
    return this.#run(now, () => {
      if (peer !== this.self) this.#core.timing.observe(peer, rttMs, now)
    })
  }

  /**
   * A planned job (submitted here, received on JOBS_TOPIC, or fetched after a
   * heartbeat). `known`: lookups the adapter already made (cache id → CID, or
   * undefined for a miss): those steps are not looked up again. `scope`: how
   * far to look the others up (`index` when the submitter asked the DHT for
   * the cluster). Throws JobSpecInvalidError.
   */
  onJobReceived (spec: JobSpec, now: number, options: { known?: ReadonlyMap<string, LookupAnswer | undefined>, scope?: LookupScope } = {}): CoordinatorOutput {
    const checked = checkJobSpec(spec)
    if (!this.#core.book.jobs.has(spec.jobId)) admit(this.#core, spec)
    return this.#run(now, (out, now) => {
      const core = this.#core
      if (core.book.jobs.has(spec.jobId)) return
      core.jobFetches.delete(spec.jobId)
      // An output already complete here (another job of it): nothing below publishes it again.
      const outputKnown = core.book.completions.get(checked.output.cacheId)
      const { record } = core.book.addJob(spec, checked, now)
      out.persist = true
      out.event({ kind: 'job', at: now, jobId: spec.jobId, state: 'running' })
      if (core.book.cancelled.has(spec.jobId)) {
        const by = core.book.cancelledBy.get(spec.jobId)
        if (by === undefined || by === this.self || mayCancel(core, record, by)) {
          cancelJob(core, out, spec.jobId, 'cancelled before it arrived', now)
          return
        }
        // The cancel came from a member that may not cancel this job: it never counted.
        core.book.cancelled.delete(spec.jobId)
        core.book.cancelledBy.delete(spec.jobId)
        core.metrics.cancelsRefused += 1
      }
      for (const [cacheId, answer] of options.known ?? []) {
        const item = core.book.items.get(cacheId)
        if (item === undefined || item.lookup !== undefined || core.book.isComplete(cacheId)) continue
        item.lookup = 'done'
        this.#answer(out, cacheId, answer?.cid, now, answer?.attestations)
      }
      this.#lookUp(out, now, options.scope ?? 'network')
      settleJob(core, out, record, now)
      // A job submitted here whose output this node already holds (an earlier job of it) completes at
      // once, and nothing above published it: say so, or the others would plan it and run its steps.
      // (The others count a confirmed result; this node's own index's word they take for its own jobs.)
      const kept = core.book.completions.get(record.output.cacheId)
      if (spec.submitter === this.self && record.state === 'completed' && outputKnown !== undefined && kept === outputKnown) {
        publishCompleted(core, out, record.output.cacheId, kept, { jobId: record.jobId, stepId: record.output.stepId }, now)
      }
    })
  }

  /** The answer to a lookupCache effect, one cache id at a time (`cid` undefined: a miss). */
  onCacheLookupResult (cacheId: string, cid: string | undefined, now: number, attestations?: readonly Attestation[]): CoordinatorOutput {
    return this.#run(now, (out, now) => {
      const item = this.#core.book.items.get(cacheId)
      const wasPending = item?.lookup === 'pending'
      if (wasPending && item !== undefined) item.lookup = 'done'
      this.#answer(out, cacheId, cid, now, attestations)
      // A job may have waited for this answer before failing.
      if (wasPending && cid === undefined) {
        for (const ref of item?.refs ?? []) {
          const job = this.#core.book.jobs.get(ref.jobId)
          if (job !== undefined) settleJob(this.#core, out, job, now)
        }
      }
    })
  }

  /**
   * A lookup's answer. The port vouches for it: a record from this node's own
   * index, or one from the DHT whose attestations it checked (a quorum). It is
   * published with those attestations, so the others can count them too.
   */
  #answer (out: Outbox, cacheId: string, cid: string | undefined, now: number, attestations?: readonly Attestation[]): void {
    const core = this.#core
    if (cid === undefined) {
      core.metrics.cacheMisses += 1
      return
    }
    core.metrics.cacheHits += 1
    const item = core.book.items.get(cacheId)
    if (item === undefined || core.book.isComplete(cacheId)) return
    const ref = core.book.primaryRef(item)
    if (attestations !== undefined && attestations.length > 0) {
      // A record from the DHT counts as any result does: enough members attested it, or it does not.
      if (acceptResult(core, out, cacheId, cid, attestations, { cached: true, byMe: false, ref }, now) !== 'confirmed') return
      const kept = core.book.completions.get(cacheId)
      if (kept !== undefined) publishCompleted(core, out, cacheId, kept, ref, now)
      return
    }
    // This node's own index holds what it confirmed itself: its word, epoch 0, is all it can show.
    const completion = { cid, holder: this.self, epoch: 0, cached: true, at: now, byMe: false, ref, attestations: [{ peer: this.self, epoch: 0 }] }
    // Tell the others too, so they need not wait for their own lookups.
    if (recordCompletion(core, out, cacheId, completion, now)) publishCompleted(core, out, cacheId, completion, completion.ref, now)
  }

  /** An execution this node started produced `cid`. */
  onExecutionFinished (execution: ExecutionRef, cid: string, now: number, durationMs?: number): CoordinatorOutput {
    return this.#run(now, (out, now) => {
      const core = this.#core
      const item = core.book.items.get(execution.cacheId)
      // The lease may have moved to a higher epoch while it ran (see reclaim in inbound.ts).
      const mine = item?.mine?.ref.epoch === execution.epoch ? item.mine : undefined
      if (item !== undefined && mine !== undefined) item.mine = undefined
      const epoch = mine?.epoch ?? execution.epoch
      core.leases.release(execution.cacheId, this.self, epoch, now)
      const existing = core.book.completions.get(execution.cacheId)
      // Someone else's result came first (this execution was aborted too late): wasted. Published
      // all the same: if its CID differs, every node must see the disagreement and keep the same one.
      if (existing !== undefined && !existing.cached && existing.holder !== this.self && beyondQuorum(core, existing.attestations, [{ peer: this.self, epoch }])) {
        countDuplicate(core, execution.cacheId)
      }
      const ref = { jobId: execution.jobId, stepId: execution.stepId }
      const attestation = { peer: this.self, epoch }
      core.metrics.stepsCompleted += 1
      const before = core.book.completions.get(execution.cacheId)
      const outcome = acceptResult(core, out, execution.cacheId, cid, [attestation], { cached: false, byMe: true, durationMs, ref }, now)
      const kept = core.book.completions.get(execution.cacheId)
      // Published with every attestation it has now: when this run confirmed the result, the others
      // learn the quorum from this one message; otherwise it is this node's vote.
      const vote = { cid, holder: this.self, epoch, cached: false, at: now, byMe: true, ...defined({ durationMs }), ref, attestations: [attestation] }
      publishCompleted(core, out, execution.cacheId, kept?.cid === cid ? kept : vote, ref, now)
      if (outcome === 'confirmed' && kept?.cid === cid && before?.cid !== cid) out.push({ type: 'putCacheRecord', cacheId: execution.cacheId, cid, stepType: item?.type ?? '', attestations: kept.attestations })
    })
  }

  /**
   * An execution this node started failed; `errorTail` is the end of ffmpeg's stderr. `lost`: the
   * CIDs of inputs it could not fetch (no node it could reach served them): when those are the
   * results of steps whose every holder is dead, they are forgotten and made again, and the
   * failure is no attempt (losses.ts).
   */
  onExecutionFailed (execution: ExecutionRef, errorTail: string, now: number, lost: readonly string[] = []): CoordinatorOutput {
    return this.#run(now, (out, now) => {
      const core = this.#core
      const item = core.book.items.get(execution.cacheId)
      const mine = item?.mine
      // An aborted execution's failure says nothing about the step.
      if (item === undefined || mine?.phase !== 'running' || mine.ref.epoch !== execution.epoch) return
      item.mine = undefined
      core.leases.release(execution.cacheId, this.self, mine.epoch, now)
      if (core.book.isComplete(execution.cacheId)) return
      core.metrics.stepsFailed += 1
      const failure = { holder: this.self, epoch: mine.epoch, errorTail: clipTail(errorTail) }
      const inputs = lostInputs(core, item, lost)
      if (inputs.length === 0) {
        recordFailures(core, out, execution.cacheId, [failure], now)
        publishFailed(core, out, execution.cacheId, mine.ref, now)
        return
      }
      // Kept with the inputs it names, so that it is judged again when the view changes.
      const judged = judgeLoss(core, out, execution.cacheId, { ...failure, lost: inputs }, now, mine.startedAt)
      const moot = !counts(judged)
      recordFailures(core, out, execution.cacheId, [{ ...failure, lost: inputs, held: judged.held, moot }], now)
      const recorded = core.book.failures.get(execution.cacheId)?.find(f => f.holder === this.self && f.epoch === mine.epoch)
      // No attempt: say so, naming the inputs. An attempt (a holder is alive): an ordinary failure.
      if (moot && recorded !== undefined) publishLoss(core, out, execution.cacheId, recorded, mine.ref, now)
      else publishFailed(core, out, execution.cacheId, mine.ref, now)
    })
  }

  /** The user cancels a job here: stop it everywhere. */
  cancelJob (jobId: string, now: number, reason?: string): CoordinatorOutput {
    return this.#run(now, (out, now) => {
      publishCancelled(this.#core, out, jobId, reason, now)
      this.#core.book.cancelledBy.set(jobId, this.self)
      cancelJob(this.#core, out, jobId, reason, now)
    })
  }

  /** Time passed; call by `nextWakeAt` at the latest. */
  tick (now: number): CoordinatorOutput {
    return this.#run(now, () => {}, true)
  }

  /**
   * Resumes from a snapshot on a fresh coordinator, before any other input:
   * releases the leases the old process held, looks up what may have finished.
   */
  restore (value: unknown, now: number): CoordinatorOutput {
    const snapshot = parseSnapshot(value, this.self)
    return this.#run(now, (out, now) => {
      const core = this.#core
      for (const [cacheId, epoch] of snapshot.epochs) core.leases.restoreEpoch(cacheId, epoch, now)
      for (const c of snapshot.completions) {
        const attestations = c.attestations ?? [{ peer: c.holder, epoch: c.epoch }]
        core.book.setCompletion(c.cacheId, { cid: c.cid, holder: c.holder, epoch: c.epoch, cached: c.cached, at: now, byMe: false, ref: { jobId: c.jobId, stepId: c.stepId }, attestations })
      }
      for (const v of snapshot.votes ?? []) {
        let byCid = core.book.votes.get(v.cacheId)
        if (byCid === undefined) core.book.votes.set(v.cacheId, byCid = new Map())
        let byPeer = byCid.get(v.cid)
        if (byPeer === undefined) byCid.set(v.cid, byPeer = new Map())
        byPeer.set(v.peer, { peer: v.peer, epoch: v.epoch, sig: v.sig })
      }
      const failures = new Map<string, Array<{ holder: string, epoch: number, sig?: string | undefined, errorTail?: string | undefined }>>()
      for (const f of snapshot.failures) failures.set(f.cacheId, [...(failures.get(f.cacheId) ?? []), f])
      for (const [cacheId, list] of failures) core.book.addFailures(cacheId, list, now)
      for (const l of snapshot.losses ?? []) core.book.losses.set(l.cacheId, { cid: l.cid, epoch: l.epoch, at: now, evidence: { reader: l.reader, holder: l.holder, epoch: l.readerEpoch } })
      for (const jobId of snapshot.cancelled) core.book.cancelled.set(jobId, now)
      for (const [jobId, by] of snapshot.cancelledBy ?? []) core.book.cancelledBy.set(jobId, by)
      for (const j of snapshot.jobs) {
        const { record } = core.book.addJob(j.spec, checkJobSpec(j.spec), now)
        if (j.state !== 'running') {
          record.state = j.state
          record.finishedAt = now
          record.outputCid = j.outputCid
          record.failure = j.failure
          record.cancelReason = j.cancelReason
        }
      }
      core.book.invalidateOrder()
      for (const lease of snapshot.held) {
        // The executions died with the old process: let others take over now rather than after the ttl.
        core.leases.restoreEpoch(lease.cacheId, lease.epoch, now)
        core.leases.release(lease.cacheId, this.self, lease.epoch, now)
        publishRelease(core, out, lease.cacheId, lease.epoch, 'restarted', now)
      }
      this.#lookUp(out, now, 'network')
      for (const job of core.book.jobs.values()) settleJob(core, out, job, now)
    })
  }

  /** Everything needed to resume after a restart (JSON-serialisable). */
  snapshot (): CoordinatorSnapshot {
    return takeSnapshot(this.#core)
  }

  /**
   * The lease and job part of this node's heartbeat: its leases; its running
   * jobs, recent cancellations, then how the jobs it keeps ended (failed or
   * completed), every one of them in turn for as long as they are kept, so a
   * node that saw an outcome nobody else saw (a partition, a lost message)
   * learns otherwise however late it comes back. The list is bounded: when the
   * finished jobs do not fit, the newest half of the room goes to the most
   * recent ones and the rest rotates through the others, heartbeat by heartbeat.
   */
  heartbeatSummary (_now: number): HeartbeatSummary {
    const core = this.#core
    const jobs: HeartbeatSummary['jobs'] = []
    type Finished = HeartbeatSummary['jobs'][number] & { at: number }
    const finished: Finished[] = []
    for (const job of core.book.jobs.values()) {
      if (job.state === 'running') jobs.push({ jobId: job.jobId, state: 'running' })
      else if (job.state === 'failed' && job.finishedAt !== undefined) finished.push({ jobId: job.jobId, state: 'failed', at: job.finishedAt })
      else if (job.state === 'completed' && job.finishedAt !== undefined) finished.push({ jobId: job.jobId, state: 'completed', at: job.finishedAt, ...defined({ output: job.outputCid }) })
    }
    const cancelled = [...core.book.cancelled].sort((a, b) => b[1] - a[1]).slice(0, MAX_ANNOUNCED_CANCELS)
    for (const [jobId] of cancelled) jobs.push({ jobId, state: 'cancelled' })
    finished.sort((a, b) => b.at - a.at || (a.jobId < b.jobId ? -1 : 1))
    const room = Math.max(0, MAX_KNOWN_JOBS - jobs.length)
    const entry = ({ at: _at, ...known }: Finished): HeartbeatSummary['jobs'][number] => known
    if (finished.length <= room) {
      for (const f of finished) jobs.push(entry(f))
    } else {
      const recent = Math.ceil(room / 2)
      for (const f of finished.slice(0, recent)) jobs.push(entry(f))
      const older = finished.slice(recent)
      const turn = room - recent
      for (let i = 0; i < turn; i++) jobs.push(entry(older[(core.announceCursor + i) % older.length] as Finished))
      core.announceCursor = (core.announceCursor + turn) % older.length
    }
    return { leases: core.leases.heldBySelf().slice(0, MAX_LEASES_PER_MESSAGE), jobs: jobs.slice(0, MAX_KNOWN_JOBS) }
  }

  /** Measured one-way delays per peer, and the waits they give now (for status and metrics). */
  networkTiming (now: number): { settleMs: number, rankDelayMs: number, peers: Array<{ peer: PeerId, oneWayMs: number, samples: number }> } {
    const core = this.#core
    return { settleMs: settleMs(core, now), rankDelayMs: rankDelayMs(core, now), peers: core.timing.snapshot(now) }
  }

  job (jobId: string, now: number): JobStatus | undefined {
    const job = this.#core.book.jobs.get(jobId)
    return job === undefined ? undefined : jobStatus(this.#core, job, now)
  }

  jobs (now: number): JobStatus[] {
    return [...this.#core.book.jobs.values()].map(j => jobStatus(this.#core, j, now))
  }

  leaseStatus (cacheId: string, now: number): LeaseStatus {
    return this.#core.leases.status(cacheId, now)
  }

  /** The output this node knows for a cache id: a step completed (or found cached) in a job it still keeps. */
  knownResult (cacheId: string): string | undefined {
    return this.#core.book.completions.get(cacheId)?.cid
  }

  /**
   * Whether a cache record's result (`cid`, attested by `attestations`) would count here as it is:
   * what a job of the cache id would do with the record (results.ts, acceptResult), under this
   * node's trust settings (trust.confirmations, trust.producers) and what it knows now. Changes
   * nothing.
   */
  resultCounts (cacheId: string, cid: string, attestations: readonly Attestation[]): boolean {
    return wouldConfirm(this.#core, cacheId, cid, attestations)
  }

  /** Whether some job this node knows is still running (its steps may be claimed). */
  hasRunningJobs (): boolean {
    for (const job of this.#core.book.jobs.values()) if (job.state === 'running') return true
    return false
  }

  metrics (): Readonly<CoordinatorMetrics> {
    return { ...this.#core.metrics }
  }

  /** Asks for cache lookups of every step of a running job that has none yet. */
  #lookUp (out: Outbox, now: number, scope: LookupScope): void {
    const core = this.#core
    const cacheIds: string[] = []
    for (const item of core.book.ordered()) {
      if (item.lookup !== undefined || core.book.isComplete(item.cacheId)) continue
      item.lookup = 'pending'
      item.lookupDeadline = now + core.o.cacheLookupTimeoutMs
      cacheIds.push(item.cacheId)
    }
    if (cacheIds.length > 0) out.push({ type: 'lookupCache', cacheIds, deadline: now + core.o.cacheLookupTimeoutMs, scope })
  }

  /**
   * Every input: pause and lag detection, the handler, then the scheduling pass;
   * `now` held still if the clock stepped back. Only `tick()` decides (claims,
   * starts after the settle window): other inputs ask to be woken at once, so a
   * decision is taken after every message already waiting has been read — a
   * busy process that reads a result and, behind it, a competing claim must
   * not claim between the two.
   */
  #run (time: number, handle: (out: Outbox, now: number) => void, decide = false): CoordinatorOutput {
    const core = this.#core
    const { lease } = core.o
    // A clock that steps back is held still: only local elapsed time matters.
    const now = core.lastInputAt === undefined ? time : Math.max(time, core.lastInputAt)
    const out = new Outbox()
    if (core.lastInputAt === undefined) {
      core.leases.startListening(now)
      core.quietUntil = now + lease.rejoinQuietMs
      core.lastGcAt = now
    } else if (now - core.lastInputAt > lease.pauseThresholdMs) {
      // This process did not run for a while: what it knows of others' leases is stale.
      core.leases.startListening(now)
      core.quietUntil = Math.max(core.quietUntil, now + lease.rejoinQuietMs)
      core.lastPauseAt = now
      core.metrics.pausesDetected += 1
      out.event({ kind: 'pause', at: now, gapMs: now - core.lastInputAt })
      // A claim made just before the pause waits a fresh settle window: the messages that arrived meanwhile come first.
      for (const item of core.book.items.values()) {
        if (item.mine?.phase === 'settling') item.mine.settleUntil = Math.max(item.mine.settleUntil, now + settleMs(core, now))
      }
    }
    const late = core.promisedDecision !== undefined && now > core.promisedDecision + LAG_THRESHOLD_MS
    if (late && core.lagDeferred < MAX_LAG_DEFERRALS) {
      // The wake-up at which this node meant to claim or start came late (a busy machine): messages
      // that arrived meanwhile may still wait in its queues (transport, decryption, validation).
      // Decide nothing on stale knowledge: claims and starts wait a settle window more. A few times
      // in a row at most: by then the queues were read, and a machine late at every wake-up must
      // still decide some time.
      const until = now + settleMs(core, now)
      core.quietUntil = Math.max(core.quietUntil, until)
      for (const item of core.book.items.values()) {
        if (item.mine?.phase === 'settling') item.mine.settleUntil = Math.max(item.mine.settleUntil, until)
      }
      core.metrics.lagDeferrals += 1
      core.lagDeferred += 1
    } else if (decide && core.promisedDecision !== undefined && now >= core.promisedDecision) {
      core.lagDeferred = 0
    }
    core.lastInputAt = now
    handle(out, now)
    schedule(core, out, now, decide)
    if (now - core.lastGcAt >= GC_INTERVAL_MS) collectGarbage(core, now)
    if (out.persist) out.push({ type: 'persist' })
    const nextWakeAt = Math.min(out.wake, now + lease.maxTickIntervalMs)
    core.promisedDecision = Number.isFinite(out.decision) ? out.decision : undefined
    return { effects: out.effects, nextWakeAt }
  }
}
