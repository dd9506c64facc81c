/**
 * What the CLI needs of the planner to send a recipe and follow its job: a recipe file's parse,
 * its input references, a transcode's progress. Loads no planner, no canonical encoding (CBOR),
 * no step types' schemas (the index's ~15–20 ms of `artdag submit`'s start).
 */
export { parseRecipe } from '../parse.ts'
export { applyInputOverrides, classifyInputRef, EMPTY_INPUT_HINT, parseInputFlag, resolveInputPath } from '../input-ref.ts'
export { framesProgress, partStateOf, runFps } from '../transcode/progress.ts'
export type { FramesProgress, NodeParts, PartState } from '../transcode/progress.ts'
export { closest } from '../suggest.ts'
