import { resolveInputCids } from './render-recipe.ts'
import { lookupLocalCache } from './cache-lookup.ts'
import { applyInputOverrides, describePlan, plan as planRecipe } from '../plan/index.ts'
import type { PlanDescription, Recipe } from '../plan/index.ts'
import { stepCatalog } from '../exec/index.ts'
import { createEmbeddedNode } from '../node/index.ts'

export interface EmbeddedPlanOptions {
  home: string
  recipe: Recipe
  recipeDir: string
  inputOverrides?: Record<string, string>
  signal?: AbortSignal | undefined
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
    const inputCids = await resolveInputCids(recipe, options.recipeDir, node.content, { signal: options.signal })
    const plan = planRecipe(recipe, inputCids, stepCatalog)
    const cached = async (cacheId: string): Promise<boolean> => (await lookupLocalCache(node.cacheIndex, node.content, cacheId, { signal: options.signal })) != null
    return await describePlan(plan, cached, { signal: options.signal })
  } finally {
    await node.stop()
  }
}
