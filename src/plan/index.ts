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
export { ID_PATTERN, outputsOf, RECIPE_NAME_PATTERN, RECIPE_VERSION } from './schema.ts'
export type { Recipe, RecipeNode } from './schema.ts'
export { applyInputOverrides, canonicalCid, classifyInputRef, parseCid, parseInputFlag, resolveInputPath } from './input-ref.ts'
export type { InputRef } from './input-ref.ts'
export { canonicalRecipe, canonicalRecipeBytes, canonicalRecipeJson } from './canonical.ts'
export type { CanonicalRecipe } from './canonical.ts'
export { CACHE_ID_VERSION, PLANNER_VERSION, computeCacheId, computePlanId, computeRunId, sha3Hex } from './ids.ts'
export { PLAN_FORMAT_VERSION, plan, unusedOf } from './planner.ts'
export type { Plan, PlannedInput, PlannedStep, PlanOptions } from './planner.ts'
export { describePlan, stepsToRun } from './describe.ts'
export { closest, editDistance } from './suggest.ts'
export type { CachedLookup, PlanDescription, StepDescription } from './describe.ts'
// Transcodes (src/plan/transcode/): their settings, the facts an analysis gives, and the pure
// expansion of a transcode node into chunk, audio and join steps.
export * from './transcode/errors.ts'
export { KNOWN_HARDWARE_ENCODERS, MAX_CHUNKS, audioSchema, chunkContainerOf, chunkSchema, joinSchema, transcodeSchema, videoEncoderOf } from './transcode/settings.ts'
export type { AudioConfig, ChunkConfig, Hardware, JoinConfig, TranscodeSettings, VideoCodec } from './transcode/settings.ts'
export { videoFactsOf } from './transcode/analysis.ts'
export type { AudioFacts, PacketFact, VideoFacts } from './transcode/analysis.ts'
export { expandRecipe, findTranscodes } from './transcode/expand.ts'
export type { TranscodeAnalysis } from './transcode/expand.ts'
