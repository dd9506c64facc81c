/**
 * The ffmpeg execution layer: binaries, capabilities, the process runner,
 * workspaces and one executor per step type. The engine calls executeStep();
 * the planner receives stepCatalog.
 */
export { DEFAULT_STEP_TIMEOUT_MS, EXEC_DEFAULTS, executeStep } from './execute.ts'
export type { ExecuteStepOptions, StepProgress, StepResult } from './execute.ts'
export { executors, stepCatalog } from './catalog.ts'
export { resolveBinaries, resolveBinary, BINARY_ENV } from './binaries.ts'
export type { BinaryName, BinarySource, ResolvedBinaries, ResolvedBinary, ResolveBinariesInit } from './binaries.ts'
export { CapabilitiesCache, RECIPE_ENCODERS, probeCapabilities, recipeCodecs } from './capabilities.ts'
export type { FfmpegCapabilities, RecipeCodec } from './capabilities.ts'
export { doctor } from './doctor.ts'
export type { DoctorOptions, DoctorReport } from './doctor.ts'
export { resolveFont, bundledFontPath } from './fonts.ts'
export { INTERMEDIATE_FORMAT } from './intermediate.ts'
export { probeMedia } from './probe.ts'
export type { MediaInfo } from './probe.ts'
export { runFfmpeg } from './runner.ts'
export type { ProgressEvent } from './progress.ts'
export { SpawnCounter } from './spawns.ts'
export type { SpawnEvent, SpawnListener } from './spawns.ts'
export { removeStaleWorkspaces, Workspace } from './workspace.ts'
export * from './errors.ts'
export type { Launch } from './launch.ts'
export { Spawner } from './spawner/spawner.ts'
export { advertisedEncoders } from './hardware.ts'
