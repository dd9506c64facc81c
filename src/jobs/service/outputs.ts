import { Key } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import { buildProvenance } from '../../engine/index.ts'
import type { PlannedJob } from './planning.ts'
import type { ApiEventInput } from '../../api/index.ts'
import type { Clock, Scheduler, TimerHandle } from '../../lifecycle/index.ts'
import type { Logger } from '../../log.ts'
import type { Membership } from '../../membership/index.ts'
import type { ResultReadyMessage } from '../../protocol/index.ts'
import type { ContentStore } from '../../store/index.ts'
import type { JobResult } from '../core/effects.ts'
import type { JobStatus } from '../core/status.ts'
import type { Datastore } from 'interface-datastore'

/** A pinner that is not the first waits this long for the first one's provenance record, then writes its own. */
const PROVENANCE_WAIT_MS = 15_000
/** Fetching a job's output to pin it may take this long. */
const PIN_TIMEOUT_MS = 10 * 60_000
const RESULTS_PREFIX = '/artdag/jobs/results'

export interface JobOutputRecord {
  output: string
  provenance: string | null
  pinnedBy: string[]
}

export interface JobOutputsComponents {
  self: string
  store: ContentStore
  datastore: Datastore
  membership: Membership
  publish: (message: ResultReadyMessage) => Promise<void>
  plan: (jobId: string) => Promise<PlannedJob>
  status: (jobId: string) => JobStatus | undefined
  /** Runs the store's work (pins, records) in the service's background line, a few at a time. */
  background: <T>(work: () => Promise<T>) => Promise<T>
  events: { emit: (event: ApiEventInput) => void }
  ffmpegVersion: string | null
  version: string
  logger: Logger
  clock: Clock
  scheduler: Scheduler
}

type CompletedResult = Extract<JobResult, { state: 'completed' }>

/**
 * What happens to a job's output once it is complete: the pinners chosen by
 * the coordinator fetch and pin it; the first of them writes the provenance
 * record and announces both on the results topic; the others pin that record
 * when they hear of it (or write their own if it never comes). Every node
 * records who pinned what, so `artdag job` shows where the output is kept.
 */
export class JobOutputs {
  readonly #c: JobOutputsComponents
  readonly #log: Logger
  readonly #records = new Map<string, JobOutputRecord>()
  readonly #waiting = new Map<string, (provenance: string) => void>()
  readonly #shutdown = new AbortController()
  readonly #busy = new Set<string>()

  constructor (components: JobOutputsComponents) {
    this.#c = components
    this.#log = components.logger.forComponent('artdag:outputs')
  }

  async load (): Promise<void> {
    for await (const { key, value } of this.#c.datastore.query({ prefix: RESULTS_PREFIX })) {
      try {
        this.#records.set(key.baseNamespace(), JSON.parse(new TextDecoder().decode(value)) as JobOutputRecord)
      } catch {
        this.#log.warn({ key: key.toString() }, 'skipping an unreadable job result record')
      }
    }
  }

  async stop (): Promise<void> {
    this.#shutdown.abort()
  }

  /** Drops the records of every job not in `keep` (jobs the coordinator has forgotten). */
  async forgetAllBut (keep: ReadonlySet<string>): Promise<void> {
    for (const jobId of this.#records.keys()) {
      if (keep.has(jobId) || this.#busy.has(jobId)) continue
      this.#records.delete(jobId)
      await this.#c.datastore.delete(new Key(`${RESULTS_PREFIX}/${jobId}`))
    }
  }

  resultOf (jobId: string): JobOutputRecord | undefined {
    return this.#records.get(jobId)
  }

  async completed (result: CompletedResult): Promise<void> {
    const record = this.#recordFor(result.jobId, result.outputCid)
    if (!result.pinOnSelf || record.pinnedBy.includes(this.#c.self) || this.#busy.has(result.jobId)) return
    this.#busy.add(result.jobId)
    let timer: TimerHandle | undefined
    try {
      // A timer of our own, cleared at the end: AbortSignal.timeout's would stay, per job, for PIN_TIMEOUT_MS.
      const timeout = new AbortController()
      timer = this.#c.scheduler.setTimeout(() => {
        timeout.abort(new DOMException(`pinning the output of job ${result.jobId} took more than ${PIN_TIMEOUT_MS} ms`, 'TimeoutError'))
      }, PIN_TIMEOUT_MS)
      const signal = AbortSignal.any([this.#shutdown.signal, timeout.signal])
      const status = this.#c.status(result.jobId)
      const producer = status?.steps.find(s => s.cid === result.outputCid)?.node
      await this.#c.background(async () => {
        await this.#c.store.pin({ cid: CID.parse(result.outputCid), kind: 'final', labels: { job: result.jobId } }, { signal, ...(producer != null && producer !== this.#c.self ? { from: [producer] } : {}) })
      })
      let provenance = record.provenance ?? undefined
      if (provenance == null && result.pinners[0] !== this.#c.self) provenance = await this.#waitForProvenance(result.jobId, signal)
      // Forgotten while it waited (a flood past jobs.maxJobs): the output stays pinned, no record names the job.
      if (this.#c.status(result.jobId) === undefined) return
      if (provenance == null) provenance = await this.#c.background(async () => await this.#writeProvenance(result.jobId, result.outputCid))
      else {
        const cid = CID.parse(provenance)
        await this.#c.background(async () => {
          await this.#c.store.pin({ cid, kind: 'final', labels: { provenanceOf: result.outputCid } }, { signal })
        })
      }
      record.provenance = provenance
      record.pinnedBy = [...new Set([...record.pinnedBy, this.#c.self])]
      await this.#save(result.jobId, record)
      await this.#c.publish({ v: 1, type: 'result_ready', jobId: result.jobId, output: result.outputCid, provenance, pinnedBy: this.#c.self, sentAt: this.#c.clock.wallNow() })
      this.#c.events.emit({ type: 'result.ready', job: result.jobId, output: result.outputCid, provenance, peer: this.#c.self })
      this.#log.info({ jobId: result.jobId, output: result.outputCid, provenance }, 'output pinned')
    } catch (err: unknown) {
      if (!this.#shutdown.signal.aborted) this.#log.warn({ jobId: result.jobId, err }, 'cannot pin the output')
    } finally {
      if (timer !== undefined) this.#c.scheduler.clearTimeout(timer)
      this.#busy.delete(result.jobId)
    }
  }

  async onResultReady (msg: ResultReadyMessage): Promise<void> {
    const record = this.#recordFor(msg.jobId, msg.output)
    record.provenance ??= msg.provenance
    if (!record.pinnedBy.includes(msg.pinnedBy)) record.pinnedBy.push(msg.pinnedBy)
    await this.#save(msg.jobId, record)
    this.#waiting.get(msg.jobId)?.(msg.provenance)
    this.#c.events.emit({ type: 'result.ready', job: msg.jobId, output: msg.output, provenance: msg.provenance, peer: msg.pinnedBy })
  }

  #recordFor (jobId: string, output: string): JobOutputRecord {
    let record = this.#records.get(jobId)
    if (record == null || record.output !== output) {
      record = { output, provenance: null, pinnedBy: [] }
      this.#records.set(jobId, record)
    }
    return record
  }

  async #waitForProvenance (jobId: string, signal: AbortSignal): Promise<string | undefined> {
    return await new Promise<string | undefined>(resolve => {
      const done = (value: string | undefined): void => {
        this.#c.scheduler.clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        this.#waiting.delete(jobId)
        resolve(value)
      }
      const onAbort = (): void => {
        done(undefined)
      }
      const timer = this.#c.scheduler.setTimeout(() => {
        done(undefined)
      }, PROVENANCE_WAIT_MS)
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waiting.set(jobId, provenance => {
        done(provenance)
      })
    })
  }

  async #writeProvenance (jobId: string, output: string): Promise<string> {
    const planned = await this.#c.plan(jobId)
    const status = this.#c.status(jobId)
    const byStep = new Map((status?.steps ?? []).map(s => [s.stepId, s]))
    const producers: Record<string, { ffmpeg: string | null, artdag: string | null }> = {}
    const steps = planned.plan.steps.map(step => {
      const s = byStep.get(step.id)
      const producer = s?.node ?? 'unknown'
      if (s?.node != null) {
        const member = this.#c.membership.get(s.node)
        producers[s.node] = s.node === this.#c.self
          ? { ffmpeg: this.#c.ffmpegVersion, artdag: this.#c.version }
          : { ffmpeg: member?.record.capabilities.ffmpegVersion ?? null, artdag: member?.record.version ?? null }
      }
      return {
        id: step.id,
        type: step.type,
        cacheId: step.cacheId,
        cid: s?.cid ?? null,
        cached: s?.state === 'CACHED',
        producer,
        startedAt: null,
        finishedAt: null,
        ffmpegRuns: 0,
        durationMs: s?.durationMs ?? null
      }
    })
    const provenance = buildProvenance({
      recipe: planned.recipe,
      plan: planned.plan,
      steps,
      producers,
      ffmpegVersion: this.#c.ffmpegVersion ?? 'unknown',
      nodeId: this.#c.self,
      artdagVersion: this.#c.version,
      jobId
    })
    if (provenance.output !== output) this.#log.warn({ jobId, output, recorded: provenance.output }, 'provenance names another output')
    const cid = await this.#c.store.putJson(provenance, { pin: { kind: 'final', labels: { provenanceOf: output, job: jobId } } })
    return cid.toString()
  }

  async #save (jobId: string, record: JobOutputRecord): Promise<void> {
    await this.#c.datastore.put(new Key(`${RESULTS_PREFIX}/${jobId}`), new TextEncoder().encode(JSON.stringify(record)))
  }
}
