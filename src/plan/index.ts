/**
 * Recipes → plans and cache_ids. Pure: no file system, no network, no
 * processes; the step catalog is passed in (src/exec/ implements it).
 */
export type { StepCatalog, StepDefinition, NormalizeResult, ConfigIssue } from './catalog.ts'
export * from './errors.ts'
export { DEFAULT_RECIPE_LIMITS, recipeLimits } from './limits.ts'
export type { RecipeLimits } from './limits.ts'
export { parseRecipe } from './parse.ts'
export type { ParseRecipeOptions } from './parse.ts'
export { validateRecipe } from './validate.ts'
export type { ValidateRecipeOptions } from './validate.ts'
export { loadRecipe } from './recipe.ts'
export { ID_PATTERN, RECIPE_NAME_PATTERN, RECIPE_VERSION } from './schema.ts'
export type { Recipe, RecipeNode } from './schema.ts'
export { applyInputOverrides, canonicalCid, classifyInputRef, parseCid, parseInputFlag, resolveInputPath } from './input-ref.ts'
export type { InputRef } from './input-ref.ts'
export { canonicalRecipe, canonicalRecipeBytes, canonicalRecipeJson } from './canonical.ts'
export type { CanonicalRecipe } from './canonical.ts'
export { CACHE_ID_VERSION, PLANNER_VERSION, computeCacheId, computePlanId, computeRunId, sha3Hex } from './ids.ts'
export { PLAN_FORMAT_VERSION, plan } from './planner.ts'
export type { Plan, PlannedInput, PlannedStep, PlanOptions } from './planner.ts'
export { describePlan, stepsToRun } from './describe.ts'
export type { CachedLookup, PlanDescription, StepDescription } from './describe.ts'
