import { CID } from 'multiformats/cid'
import { lookupLocalCache } from './cache-lookup.ts'
import { describeError } from './describe-error.ts'
import { StepFailedError, StepInputUnavailableError } from './errors.ts'
import { Workspace, executeStep } from '../exec/index.ts'
import type { CapabilitiesCache, Launch, ResolvedBinaries, SpawnListener, StepProgress } from '../exec/index.ts'
import type { StepReport } from './events.ts'
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
    try {
      const inputs = await Promise.all(inputCids.map(async (cid, i) => {
        const path = workspace.path(`input-${i}`)
        try {
          await store.getFile(CID.parse(cid), path, { signal: options.signal, from: options.from })
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
      this.log.info({ step: step.id, type: step.type, cacheId: step.cacheId, cid: cid.toString(), ms: finishedAt - startedAt }, 'step completed')
      return { id: step.id, type: step.type, cacheId: step.cacheId, cid: cid.toString(), cached: false, producer: this.init.producer, startedAt, finishedAt, ffmpegRuns: result.ffmpegRuns }
    } finally {
      await workspace.dispose()
    }
  }
}
