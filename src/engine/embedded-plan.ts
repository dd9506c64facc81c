import { resolveInputCids } from './render-recipe.ts'
import { lookupLocalCache } from './cache-lookup.ts'
import { applyInputOverrides, describePlan, findTranscodes, plan as planRecipe } from '../plan/index.ts'
import type { PlanDescription, Recipe } from '../plan/index.ts'
import { CapabilitiesCache, resolveBinaries, stepCatalog } from '../exec/index.ts'
import { createEmbeddedNode } from '../node/index.ts'
import type { Config } from '../config/index.ts'
import type { Logger } from '../log.ts'
import type { ArtdagNode } from '../node/index.ts'

export interface EmbeddedPlanOptions {
  home: string
  recipe: Recipe
  recipeDir: string
  inputOverrides?: Record<string, string>
  /** Needed to plan a `transcode` (its source is analysed with ffprobe first). */
  config?: Config | undefined
  env?: Record<string, string | undefined> | undefined
  logger?: Logger | undefined
  signal?: AbortSignal | undefined
}

/** A recipe's transcodes expanded (their sources analysed here), as the cluster would plan them. */
async function expandHere (
  node: Pick<ArtdagNode, 'content' | 'cacheIndex'> & { peerId?: { toString: () => string } | undefined },
  recipe: Recipe,
  inputs: Record<string, string>,
  options: EmbeddedPlanOptions
): Promise<{ recipe: Recipe, inputs: Record<string, string> }> {
  const [{ expandTranscodes }, { createSourceAnalyzer }, { RangeServer }, { StepRunner }, { workRootFor }] = await Promise.all([
    import('./expand-transcodes.ts'),
    import('./analyze-source.ts'),
    import('./range-server.ts'),
    import('./step-runner.ts'),
    import('./embedded-render.ts')
  ])
  if (findTranscodes(recipe).length === 0 || options.config == null || options.logger == null) return { recipe, inputs }
  const { config, logger } = options
  const binaries = await resolveBinaries({ ffmpeg: config.exec.ffmpeg, ffprobe: config.exec.ffprobe, env: options.env })
  const ranges = new RangeServer({ cat: (cid, o) => node.content.cat(cid, o), logger })
  await ranges.start({ signal: options.signal })
  try {
    const runner = new StepRunner({
      store: node.content,
      cacheIndex: node.cacheIndex,
      binaries,
      capabilities: new CapabilitiesCache(),
      workRoot: workRootFor(options.home, config),
      producer: node.peerId?.toString() ?? 'local',
      stepTimeoutMs: config.exec.stepTimeoutMs,
      intermediateTtlMs: config.gc.intermediateTtlMs,
      ranges,
      logger
    })
    return await expandTranscodes(recipe, inputs, { catalog: stepCatalog, analyze: createSourceAnalyzer({ runner, store: node.content, catalog: stepCatalog }) }, { signal: options.signal })
  } finally {
    await ranges.stop()
  }
}

/**
 * `artdag plan` with no daemon: local input files are added to the home's
 * store (a render needs them there anyway, and their CIDs are part of every
 * cache_id), then the plan is described against the home's cache index.
 */
export async function embeddedPlan (options: EmbeddedPlanOptions): Promise<PlanDescription> {
  const node = await createEmbeddedNode({ home: options.home, purpose: 'plan' }, { signal: options.signal })
  try {
    const recipe = applyInputOverrides(options.recipe, options.inputOverrides ?? {})
    const given = await resolveInputCids(recipe, options.recipeDir, node.content, { signal: options.signal })
    const expanded = await expandHere(node, recipe, given, options)
    const plan = planRecipe(expanded.recipe, expanded.inputs, stepCatalog)
    const cached = async (cacheId: string): Promise<boolean> => (await lookupLocalCache(node.cacheIndex, node.content, cacheId, { signal: options.signal })) != null
    return await describePlan(plan, cached, { signal: options.signal })
  } finally {
    await node.stop()
  }
}
