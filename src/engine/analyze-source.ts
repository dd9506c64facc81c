import { CID } from 'multiformats/cid'
import { collect } from '../store/light/index.ts'
import { TranscodeSourceError, plan as planRecipe } from '../plan/index.ts'
import { StepInputsInvalidError } from '../exec/light/index.ts'
import { StepFailedError } from './errors.ts'
import type { StepRunner } from './step-runner.ts'
import type { PlannedStep, StepCatalog } from '../plan/index.ts'
import type { ContentStore } from '../store/index.ts'
import type { TranscodeAnalyzer } from './expand-transcodes.ts'
import { present } from '../defined.ts'

/** The largest analysis document read back (a 24 h film has ~2 M frames but few keyframes). */
export const MAX_ANALYSIS_BYTES = 64 * 1024 * 1024

export interface SourceAnalyzerComponents {
  runner: Pick<StepRunner, 'run' | 'lookupLocal'>
  store: Pick<ContentStore, 'cat'>
  catalog: StepCatalog
  /**
   * Another node's result for a cache_id, when this node has none (the DHT's
   * cache records); tried before running the analysis here.
   */
  lookupRemote?: ((cacheId: string, options: { signal?: AbortSignal | undefined }) => Promise<{ cid: string, producer?: string | undefined } | undefined>) | undefined
  /** Told when an analysis (or a sound copy) was run here (the daemon publishes its cache record). */
  onAnalyzed?: (step: PlannedStep, cid: string) => void
}

/** A source ffprobe cannot read is the user's input to fix, named as such; anything else is rethrown. */
function notMediaOr (err: unknown, source: { node: string, input: string, cid: string }): unknown {
  const cause = (err as { cause?: unknown }).cause
  if (!(cause instanceof StepInputsInvalidError)) return err
  const why = String(cause.message).split(': ').at(-1) ?? 'unreadable'
  return new TranscodeSourceError(`nodes.${source.node}: input ${source.input} (${source.cid}) is not a media file ffmpeg can read (${why}); transcode reads a video file`, { node: source.node, input: source.input, cid: source.cid }, {
    cause: err
  })
}

/** One step over one source, as any node plans it (so its cache_id is the same everywhere). */
function sourceStep (sourceCid: string, catalog: StepCatalog, type: string, config: Record<string, unknown>): PlannedStep {
  const planned = planRecipe(
    { version: 1, name: 'analysis', inputs: { source: sourceCid }, nodes: { analysis: { type, inputs: ['source'], config } }, output: 'analysis' },
    { source: sourceCid },
    catalog
  )
  return planned.steps[0] as PlannedStep
}

/** The `analyze` step with `keyframes: true` over one source, as any node plans it (so its cache_id is the same everywhere). */
export function analysisStep (sourceCid: string, catalog: StepCatalog): PlannedStep {
  return sourceStep(sourceCid, catalog, 'analyze', { keyframes: true })
}

/** The `transcode_sound` step over one source: its audio stream `stream` copied out. */
export function soundStep (sourceCid: string, stream: number, catalog: StepCatalog): PlannedStep {
  return sourceStep(sourceCid, catalog, 'transcode_sound', { stream })
}

/**
 * Analyses a transcode's source as a cached step: this node's cache, then the
 * cluster's, then it runs here (ffprobe reads the packets through the range
 * server, so a source held elsewhere is not copied first). Then, when the
 * transcode encodes sound that copies out exactly (`source.sound` names the
 * stream from the facts), copies it out of the source the same way
 * (`transcode_sound`, cached too): the sound step reads that copy instead of
 * every block of the source. A copy that fails leaves the sound step reading
 * the source, as before.
 */
export function createSourceAnalyzer (c: SourceAnalyzerComponents): TranscodeAnalyzer {
  /** A step's output: this node's cache, the cluster's (with its producer to fetch from), or a run here. */
  const cached = async (step: PlannedStep, id: string, sourceCid: string, options: { signal?: AbortSignal | undefined }): Promise<{ cid: string, from?: string[] }> => {
    const local = await c.runner.lookupLocal(step.cacheId, options)
    if (local != null) return { cid: local }
    const found = c.lookupRemote != null ? await c.lookupRemote(step.cacheId, options).catch(() => undefined) : undefined
    if (found != null) return { cid: found.cid, ...(found.producer != null ? { from: [found.producer] } : {}) }
    const report = await c.runner.run({ ...step, id }, [sourceCid], { signal: options.signal })
    c.onAnalyzed?.(step, report.cid)
    return { cid: report.cid }
  }
  return async (source, options = {}) => {
    const { cid, from } = await cached(analysisStep(source.cid, c.catalog), `${source.node}-analysis`, source.cid, options).catch((err: unknown) => {
      throw notMediaOr(err, source)
    })
    const bytes = await collect(c.store.cat(CID.parse(cid), { signal: options.signal, length: MAX_ANALYSIS_BYTES, ...present({ from }) }))
    const facts = JSON.parse(new TextDecoder().decode(bytes)) as unknown
    const stream = source.sound?.(facts)
    if (stream == null) return { cid, facts }
    const sound = await cached(soundStep(source.cid, stream, c.catalog), `${source.node}-sound`, source.cid, options).catch((err: unknown) => {
      // Only a copy that ffmpeg refused leaves the sound with the source; a stop is a stop.
      if (options.signal?.aborted === true || !(err instanceof StepFailedError)) throw err
      return undefined
    })
    return { cid, facts, ...present({ sound: sound?.cid }) }
  }
}
