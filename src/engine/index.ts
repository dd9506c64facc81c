/**
 * Runs planned steps on one machine: fetch inputs → exec → add output → cache
 * index. The daemon's job service runs steps through StepRunner; the CLI's
 * in-process commands come in through ./local.ts (re-exported here).
 */
export * from './local.ts'
export { lookupLocalCache } from './cache-lookup.ts'
export { describeError } from './describe-error.ts'
export { slotsFor, workRootFor } from './embedded-render.ts'
export * from './errors.ts'
export type { RenderEvent, RenderEventListener, StepReport } from './events.ts'
export { buildProvenance, PROVENANCE_VERSION } from './provenance.ts'
export type { Provenance, ProvenanceInit } from './provenance.ts'
export { renderRecipe, resolveInputCids } from './render-recipe.ts'
export type { RenderOutcome, RenderRecipeInit, RenderRecipeOptions } from './render-recipe.ts'
export { StepRunner } from './step-runner.ts'
export type { RunStepOptions, StepRunnerInit } from './step-runner.ts'
export { createSourceAnalyzer } from './analyze-source.ts'
export { RangeServer } from './range-server.ts'
export { expandTranscodes } from './expand-transcodes.ts'
export type { ExpandTranscodesInit } from './expand-transcodes.ts'
