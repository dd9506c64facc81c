import { CID } from 'multiformats/cid'
import { lookupLocalCache } from './cache-lookup.ts'
import { describeError } from './describe-error.ts'
import { StepFailedError, StepInputUnavailableError } from './errors.ts'
import { executors } from '../exec/light/index.ts'
import type { CapabilitiesCache, Launch, ResolvedBinaries, SpawnListener, StepProgress } from '../exec/index.ts'
import type { StepReport } from './events.ts'
import type { RangeServer, RangeStats } from './range-server.ts'
import type { Logger } from '../log.ts'
import type { PlannedStep } from '../plan/index.ts'
import type { CacheIndex, ContentStore, StepLogs } from '../store/index.ts'
import { defined, present } from '../defined.ts'

export interface StepRunnerInit {
  store: ContentStore
  cacheIndex: CacheIndex
  binaries: ResolvedBinaries
  capabilities: CapabilitiesCache
  /** Step workspaces are made here and removed after each step. */
  workRoot: string
  /** Recorded as the producer of every output: the peer id, or `local`. */
  producer: string
  stepTimeoutMs: number
  /** Outputs stay pinned as intermediates this long. */
  intermediateTtlMs: number
  threads?: number | undefined
  fontFile?: string | null | undefined
  onSpawn?: SpawnListener | undefined
  /** How ffmpeg and ffprobe are started (the daemon's spawner helper); @default children of this process */
  launch?: Launch | undefined
  /**
   * Serves inputs to steps that read them over a loopback URL (transcode
   * chunks): only the byte ranges they ask for are fetched. Absent: such
   * steps get a whole copy like every other step.
   */
  ranges?: Pick<RangeServer, 'expose'> | undefined
  /** Where each run's ffmpeg log is recorded (`artdag logs JOB STEP`); absent: logs are not kept. */
  stepLogs?: StepLogs | undefined
  logger: Logger
}

/** A step's log is kept up to this size: its start and its end, which say what ran and how it ended. */
export const MAX_STEP_LOG_BYTES = 4 * 1024 * 1024

/** ffmpeg's stderr of one step, bounded: the first half of the budget, then the latest. */
class StepLog {
  readonly #head: string[] = []
  #headBytes = 0
  #tail: string[] = []
  #tailBytes = 0
  #dropped = 0

  add (chunk: string): void {
    if (this.#headBytes < MAX_STEP_LOG_BYTES / 2) {
      this.#head.push(chunk)
      this.#headBytes += chunk.length
      return
    }
    this.#tail.push(chunk)
    this.#tailBytes += chunk.length
    while (this.#tailBytes > MAX_STEP_LOG_BYTES / 2 && this.#tail.length > 1) {
      const gone = this.#tail.shift() as string
      this.#tailBytes -= gone.length
      this.#dropped += gone.length
    }
  }

  get empty (): boolean {
    return this.#headBytes === 0
  }

  text (): string {
    const cut = this.#dropped > 0 ? `\n[… ${this.#dropped} characters of the log left out …]\n` : ''
    return `${this.#head.join('')}${cut}${this.#tail.join('')}`
  }
}

/** How a step's input is named for people: the recipe's input, or the step whose output it is. */
function inputLabel (step: PlannedStep, i: number, cid: string): string {
  const input = step.inputs[i]
  if (input?.kind === 'input') return `input "${input.name}" (${cid})`
  if (input?.kind === 'step') return `the output of step "${input.id}" (${cid})`
  return `input ${i} (${cid})`
}

/** ffmpeg's messages name the workspace's files (`/…/work/out-x1Y2z3/input-0`); people know the recipe's names. */
function nameInputs (text: string, step: PlannedStep, inputCids: readonly string[], workspace: string): string {
  return text.replace(new RegExp(`(?:file:)?(?:${workspace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/)?input-(\\d+)\\b|\\binput (\\d+) of ${step.type}\\b`, 'g'), (whole, a: string | undefined, b: string | undefined) => {
    const n = a ?? b ?? ''
    const i = Number(n)
    return i < inputCids.length ? inputLabel(step, i, inputCids[i] as string) : whole
  })
}

/**
 * Fetches every input (`fetch` gives each one's path or URL) and waits for all of them, so that a
 * step whose inputs cannot be fetched says which (`details.cids` of StepInputUnavailableError:
 * every one that could not be, not only the first). Any other error is thrown as it is.
 */
async function fetchAll (step: PlannedStep, cids: readonly string[], signal: AbortSignal | undefined, fetch: (cid: string, i: number) => Promise<string>): Promise<string[]> {
  const settled = await Promise.allSettled(cids.map(fetch))
  const errors = settled.flatMap(r => r.status === 'rejected' ? [r.reason as unknown] : [])
  const first = errors[0]
  if (first === undefined) return settled.map(r => (r as PromiseFulfilledResult<string>).value)
  const unavailable = errors.filter((e): e is StepInputUnavailableError => e instanceof StepInputUnavailableError)
  if (signal?.aborted === true || unavailable.length < errors.length || unavailable.length === 1) throw errors.find(e => !(e instanceof StepInputUnavailableError)) ?? first
  const lost = unavailable.map(e => String(e.details?.cid))
  throw new StepInputUnavailableError(`step ${step.id}: ${lost.length} inputs could not be fetched (${lost.join(', ')}); the first: ${(first as Error).message}`, { step: step.id, cid: lost[0], cids: lost }, { cause: first })
}

export interface RunStepOptions {
  signal?: AbortSignal | undefined
  /** Peers likely to hold the inputs (their producers): fetched from them first. */
  from?: string[] | undefined
  onProgress?: ((event: StepProgress) => void) | undefined
}

/**
 * Runs one planned step on this machine: fetches its input CIDs into a fresh
 * workspace, runs the executor, adds the output to the store, pins it as an
 * intermediate and records `cache_id → CID`. The workspace is removed in every
 * case. Both `artdag render` and the daemon's job runner go through here.
 */
export class StepRunner {
  private readonly init: StepRunnerInit
  private readonly log: Logger

  constructor (init: StepRunnerInit) {
    this.init = init
    this.log = init.logger.forComponent('artdag:engine')
  }

  /** The cached output of `cacheId` if its content is all in the local store. */
  async lookupLocal (cacheId: string, options: { signal?: AbortSignal | undefined } = {}): Promise<string | undefined> {
    return await lookupLocalCache(this.init.cacheIndex, this.init.store, cacheId, options)
  }

  async run (step: PlannedStep, inputCids: string[], options: RunStepOptions = {}): Promise<StepReport & { cid: string }> {
    const { store, cacheIndex } = this.init
    // What runs a step (the executor, the spawner): loaded by the first step run, none of a render whose steps are all cached.
    const { Workspace, executeStep } = await import('../exec/index.ts')
    const workspace = await Workspace.create(this.init.workRoot, { prefix: `${step.id}-` })
    const startedAt = Date.now()
    const streamed = this.#streamsInputs(step)
    const exposed: Array<{ release: () => void, stats: RangeStats }> = []
    const log = new StepLog()
    let ok = false
    try {
      const inputs = await fetchAll(step, inputCids, options.signal, async (cid, i) => {
        const path = workspace.path(`input-${i}`)
        const from = options.from != null ? { from: options.from } : {}
        try {
          if (streamed != null) {
            // Only the root block now (for the size); the rest as ffmpeg reads it.
            const { size } = await store.stat(CID.parse(cid), { signal: options.signal, ...from })
            const served = await streamed.expose(cid, size, from)
            exposed.push(served)
            return served.url
          }
          await store.getFile(CID.parse(cid), path, { signal: options.signal, ...from })
        } catch (err: unknown) {
          if (options.signal?.aborted === true) throw err
          throw new StepInputUnavailableError(`step ${step.id}: ${inputLabel(step, i, cid)} could not be fetched: ${(err as Error).message}`, { step: step.id, input: i, cid, cids: [cid] }, { cause: err })
        }
        return path
      })
      let result
      try {
        result = await executeStep({
          type: step.type,
          config: step.config,
          inputs,
          workspace,
          binaries: this.init.binaries,
          capabilities: this.init.capabilities,
          threads: this.init.threads,
          fontFile: this.init.fontFile,
          timeoutMs: this.init.stepTimeoutMs,
          signal: options.signal,
          onProgress: options.onProgress,
          onSpawn: this.init.onSpawn,
          onStderr: chunk => {
            log.add(chunk)
          },
          launch: this.init.launch,
          logger: this.log
        })
      } catch (err: unknown) {
        if (options.signal?.aborted === true) throw err
        const { message, errorTail } = describeError(err)
        const named = (text: string): string => nameInputs(text, step, inputCids, workspace.dir)
        // An input ffmpeg cannot read fails the same way everywhere: retrying it elsewhere will not help.
        const permanent = (err as { name?: unknown }).name === 'StepInputsInvalidError'
        throw new StepFailedError(`step ${step.id} (${step.type}) failed: ${named(message)}`, {
          step: step.id,
          cacheId: step.cacheId,
          ...(errorTail !== undefined ? { errorTail: named(errorTail) } : {}),
          ...(permanent ? { permanent: true } : {})
        }, { cause: err })
      }
      // Added and pinned in one go: the add knows the blocks it wrote, so the pin walks nothing (an
      // output pinned already, as a final, keeps its kind: the pins merge).
      const cid = await store.addFile(result.outputPath, { signal: options.signal, pin: { kind: 'intermediate', expiresAt: Date.now() + this.init.intermediateTtlMs, labels: { cacheId: step.cacheId, step: step.id } } })
      const finishedAt = Date.now()
      await cacheIndex.put({ cacheId: step.cacheId, cid: cid.toString(), producer: this.init.producer, createdAt: finishedAt, stepType: step.type }, { signal: options.signal })
      const inputBytes = exposed.length > 0 ? exposed.reduce((sum, e) => sum + e.stats.bytes, 0) : undefined
      this.log.info({ step: step.id, type: step.type, cacheId: step.cacheId, cid: cid.toString(), ms: finishedAt - startedAt, ...present({ inputBytes }) }, 'step completed')
      ok = true
      const logCid = await this.#keepLog(step, log, true, options.signal)
      return { id: step.id, type: step.type, cacheId: step.cacheId, cid: cid.toString(), cached: false, producer: this.init.producer, startedAt, finishedAt, ffmpegRuns: result.ffmpegRuns, ...defined({ log: logCid }) }
    } catch (err: unknown) {
      // A failed run's log is what explains it: kept too (not when the run was stopped).
      if (!ok && options.signal?.aborted !== true) {
        // How it ended, in the log too: a failure before ffmpeg ran (an input ffprobe cannot read) has no other line.
        const { message, errorTail } = describeError(err)
        log.add(`# failed: ${message}\n${errorTail !== undefined && !message.includes(errorTail) ? `${errorTail}\n` : ''}`)
        const logCid = await this.#keepLog(step, log, false, undefined)
        if (logCid !== undefined && err instanceof StepFailedError && err.details != null) err.details.log = logCid
      }
      throw err
    } finally {
      for (const e of exposed) e.release()
      await workspace.dispose()
    }
  }

  /** Stores the run's ffmpeg log as content (pinned as long as an output is) and records it for the step. */
  async #keepLog (step: PlannedStep, log: StepLog, ok: boolean, signal: AbortSignal | undefined): Promise<string | undefined> {
    const { stepLogs, store } = this.init
    if (stepLogs == null || log.empty) return undefined
    try {
      const at = Date.now()
      const cid = await store.addBytes(new TextEncoder().encode(log.text()), {
        signal,
        pin: { kind: 'intermediate', expiresAt: at + this.init.intermediateTtlMs, labels: { stepLog: step.cacheId, step: step.id } }
      })
      await stepLogs.put({ cacheId: step.cacheId, cid: cid.toString(), ok, at }, { signal })
      return cid.toString()
    } catch (err: unknown) {
      // The step's result matters more than its log.
      this.log.warn({ err, step: step.id }, 'could not keep the step log')
      return undefined
    }
  }

  /** The range server, when this step reads its inputs through it. */
  #streamsInputs (step: PlannedStep): Pick<RangeServer, 'expose'> | undefined {
    const executor = executors.get(step.type)
    if (this.init.ranges == null || executor?.streamInputs == null) return undefined
    try {
      return executor.streamInputs(step.config) ? this.init.ranges : undefined
    } catch {
      return undefined
    }
  }
}
