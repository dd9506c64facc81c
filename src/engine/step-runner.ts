import { CID } from 'multiformats/cid'
import { lookupLocalCache } from './cache-lookup.ts'
import { describeError } from './describe-error.ts'
import { StepFailedError, StepInputUnavailableError } from './errors.ts'
import { Workspace, executeStep, executors } from '../exec/index.ts'
import type { CapabilitiesCache, Launch, ResolvedBinaries, SpawnListener, StepProgress } from '../exec/index.ts'
import type { StepReport } from './events.ts'
import type { RangeServer, RangeStats } from './range-server.ts'
import type { Logger } from '../log.ts'
import type { PlannedStep } from '../plan/index.ts'
import type { CacheIndex, ContentStore } from '../store/index.ts'

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
  logger: Logger
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
    const workspace = await Workspace.create(this.init.workRoot, { prefix: `${step.id}-` })
    const startedAt = Date.now()
    const streamed = this.#streamsInputs(step)
    const exposed: Array<{ release: () => void, stats: RangeStats }> = []
    try {
      const inputs = await Promise.all(inputCids.map(async (cid, i) => {
        const path = workspace.path(`input-${i}`)
        const from = options.from != null ? { from: options.from } : {}
        try {
          if (streamed != null) {
            // Only the root block now (for the size); the rest as ffmpeg reads it.
            const { size } = await store.stat(CID.parse(cid), { signal: options.signal, ...from })
            const served = streamed.expose(cid, size, from)
            exposed.push(served)
            return served.url
          }
          await store.getFile(CID.parse(cid), path, { signal: options.signal, ...from })
        } catch (err: unknown) {
          if (options.signal?.aborted === true) throw err
          throw new StepInputUnavailableError(`step ${step.id}: input ${i} (${cid}) could not be fetched: ${(err as Error).message}`, { step: step.id, input: i, cid }, { cause: err })
        }
        return path
      }))
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
          launch: this.init.launch,
          logger: this.log
        })
      } catch (err: unknown) {
        if (options.signal?.aborted === true) throw err
        const { message, errorTail } = describeError(err)
        throw new StepFailedError(`step ${step.id} (${step.type}) failed: ${message}`, { step: step.id, cacheId: step.cacheId, errorTail }, { cause: err })
      }
      const cid = await store.addFile(result.outputPath, { signal: options.signal })
      const finishedAt = Date.now()
      if (!await store.isPinned(cid, { signal: options.signal })) {
        await store.pin({ cid, kind: 'intermediate', expiresAt: finishedAt + this.init.intermediateTtlMs, labels: { cacheId: step.cacheId, step: step.id } }, { signal: options.signal })
      }
      await cacheIndex.put({ cacheId: step.cacheId, cid: cid.toString(), producer: this.init.producer, createdAt: finishedAt, stepType: step.type }, { signal: options.signal })
      const inputBytes = exposed.length > 0 ? exposed.reduce((sum, e) => sum + e.stats.bytes, 0) : undefined
      this.log.info({ step: step.id, type: step.type, cacheId: step.cacheId, cid: cid.toString(), ms: finishedAt - startedAt, ...(inputBytes != null ? { inputBytes } : {}) }, 'step completed')
      return { id: step.id, type: step.type, cacheId: step.cacheId, cid: cid.toString(), cached: false, producer: this.init.producer, startedAt, finishedAt, ffmpegRuns: result.ffmpegRuns }
    } finally {
      for (const e of exposed) e.release()
      await workspace.dispose()
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
