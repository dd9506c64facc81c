import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { StepRunner } from './step-runner.ts'
import { RangeServer } from './range-server.ts'
import { renderRecipe } from './render-recipe.ts'
import { ARTDAG_VERSION } from '../version.ts'
import { CapabilitiesCache, removeStaleWorkspaces, resolveBinaries, stepCatalog } from '../exec/light/index.ts'
import type { SpawnListener } from '../exec/index.ts'
import { createEmbeddedNode } from '../node/index.ts'
import { DatastoreStepLogs } from '../store/light/index.ts'
import type { RenderEventListener } from './events.ts'
import type { RenderOutcome } from './render-recipe.ts'
import type { Config } from '../config/index.ts'
import type { Logger } from '../log.ts'
import type { Plan, Recipe } from '../plan/index.ts'

export interface EmbeddedRenderOptions {
  home: string
  config: Config
  recipe: Recipe
  recipeDir: string
  inputOverrides?: Record<string, string> | undefined
  outFile?: string | undefined
  /** Other outputs to write (output node → file), for a recipe with several. */
  outFiles?: Record<string, string> | undefined
  signal?: AbortSignal | undefined
  onEvent?: RenderEventListener | undefined
  onSpawn?: SpawnListener | undefined
  /** Where ARTDAG_FFMPEG/ARTDAG_FFPROBE are read. @default process.env */
  env?: Record<string, string | undefined>
  logger: Logger
}

/** Slots from config; 0 means one per core. */
export function slotsFor (config: Config): number {
  return config.exec.slots > 0 ? config.exec.slots : availableParallelism()
}

/** The work root from config; null means `<home>/work`. */
export function workRootFor (home: string, config: Config): string {
  return config.exec.workDir ?? join(home, 'work')
}

/**
 * `artdag render` with no daemon: an in-process node over the home's stores
 * (the daemon finds the results there later), the same engine the daemon runs.
 */
export async function embeddedRender (options: EmbeddedRenderOptions): Promise<RenderOutcome & { plan: Plan }> {
  const { config } = options
  // Resolve ffmpeg before opening anything, so a machine without it fails at once and clearly.
  const binaries = await resolveBinaries({ ffmpeg: config.exec.ffmpeg, ffprobe: config.exec.ffprobe, env: options.env })
  const capabilities = new CapabilitiesCache()
  // Asked while the stores open: the provenance record needs it, even when every step is cached.
  const ffmpegVersion = capabilities.version(binaries.ffmpeg.path, { signal: options.signal })
  // Awaited where the provenance needs it, which reports the error; this only silences an early rejection.
  ffmpegVersion.catch(() => {})
  const node = await createEmbeddedNode({ home: options.home }, { signal: options.signal })
  // Transcode chunks read the source through it: only the byte ranges they need. It listens from the
  // first step that reads its input through it on: a render whose steps are all cached opens no port.
  const ranges = new RangeServer({ cat: (cid, o) => node.content.cat(cid, o), logger: options.logger })
  try {
    // The home's lock is ours: workspaces left in its work root by a process that died are nobody's.
    await removeStaleWorkspaces(workRootFor(options.home, config))
    const producer = node.peerId?.toString() ?? 'local'
    const runner = new StepRunner({
      store: node.content,
      cacheIndex: node.cacheIndex,
      binaries,
      capabilities,
      workRoot: workRootFor(options.home, config),
      producer,
      stepTimeoutMs: config.exec.stepTimeoutMs,
      intermediateTtlMs: config.gc.intermediateTtlMs,
      threads: config.exec.threads,
      fontFile: config.exec.fontFile,
      onSpawn: options.onSpawn,
      ranges,
      stepLogs: new DatastoreStepLogs({ datastore: node.helia.datastore }),
      logger: options.logger
    })
    return await renderRecipe({
      store: node.content,
      runner,
      catalog: stepCatalog,
      nodeId: producer,
      artdagVersion: ARTDAG_VERSION,
      ffmpegVersion: async () => await ffmpegVersion,
      // A transcode's encoders are tried on this machine (exec's index: loaded by a recipe that has one).
      capabilities: async o => {
        const { advertisedEncoders } = await import('../exec/index.ts')
        return await advertisedEncoders(await capabilities.get(binaries.ffmpeg.path, o), o)
      }
    }, {
      recipe: options.recipe,
      recipeDir: options.recipeDir,
      inputOverrides: options.inputOverrides,
      slots: slotsFor(config),
      outFile: options.outFile,
      outFiles: options.outFiles,
      signal: options.signal,
      onEvent: options.onEvent
    })
  } finally {
    await ranges.stop()
    await node.stop()
  }
}
