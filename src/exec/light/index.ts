/**
 * What a recipe's check and a render whose steps are all cached need of the execution layer:
 * the step catalog (every step type's schema), where ffmpeg is, its version, the work root's
 * clean-up. Loads none of what runs a step (the executor, the spawner, the progress parser,
 * ffprobe's probe, the doctor: the index's), which the engine loads at its first step.
 */
export { BINARY_ENV, resolveBinaries, resolveBinary } from '../binaries.ts'
export type { BinaryName, BinarySource, ResolvedBinaries, ResolvedBinary, ResolveBinariesInit } from '../binaries.ts'
export { CapabilitiesCache } from '../capabilities.ts'
export type { FfmpegCapabilities } from '../capabilities.ts'
export { executors, stepCatalog } from '../catalog.ts'
export * from '../errors.ts'
export { removeStaleWorkspaces } from '../workspace.ts'
