import { CID } from 'multiformats/cid'
import { collect } from '../store/index.ts'
import { TranscodeSourceError, plan as planRecipe } from '../plan/index.ts'
import { StepInputsInvalidError } from '../exec/index.ts'
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
  /** Told when an analysis was run here (the daemon publishes its cache record). */
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

/** The `analyze` step with `keyframes: true` over one source, as any node plans it (so its cache_id is the same everywhere). */
export function analysisStep (sourceCid: string, catalog: StepCatalog): PlannedStep {
  const planned = planRecipe(
    {
      version: 1,
      name: 'analysis',
      inputs: { source: sourceCid },
      nodes: { analysis: { type: 'analyze', inputs: ['source'], config: { keyframes: true } } },
      output: 'analysis'
    },
    { source: sourceCid },
    catalog
  )
  return planned.steps[0] as PlannedStep
}

/**
 * Analyses a transcode's source as a cached step: this node's cache, then the
 * cluster's, then it runs here (ffprobe reads the packets through the range
 * server, so a source held elsewhere is not copied first).
 */
export function createSourceAnalyzer (c: SourceAnalyzerComponents): TranscodeAnalyzer {
  return async (source, options = {}) => {
    const step = analysisStep(source.cid, c.catalog)
    let cid = await c.runner.lookupLocal(step.cacheId, options)
    let from: string[] | undefined
    if (cid == null && c.lookupRemote != null) {
      const found = await c.lookupRemote(step.cacheId, options).catch(() => undefined)
      if (found != null) {
        cid = found.cid
        if (found.producer != null) from = [found.producer]
      }
    }
    if (cid == null) {
      const report = await c.runner.run({ ...step, id: `${source.node}-analysis` }, [source.cid], { signal: options.signal }).catch((err: unknown) => {
        throw notMediaOr(err, source)
      })
      cid = report.cid
      c.onAnalyzed?.(step, cid)
    }
    const bytes = await collect(c.store.cat(CID.parse(cid), { signal: options.signal, length: MAX_ANALYSIS_BYTES, ...present({ from }) }))
    return { cid, facts: JSON.parse(new TextDecoder().decode(bytes)) as unknown }
  }
}
