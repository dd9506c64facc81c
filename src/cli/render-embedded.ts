import { formatBytes } from './format.ts'
import { fields } from './output.ts'
import type { CommandContext } from './command.ts'
import type { Output } from './output.ts'
import type { LoadedRecipe } from './recipe-input.ts'
import type { RenderEvent } from '../engine/index.ts'

/**
 * `artdag render` (and `transcode`) with no daemon: the embedded engine over
 * the home's stores, a live view on stderr, the outcome as fields or JSON.
 */
export async function renderEmbedded (loaded: LoadedRecipe, outFile: string | undefined, ctx: CommandContext, options: { onEvent?: (event: RenderEvent) => void } = {}): Promise<Output> {
  const [{ loadConfig, embeddedRender }, { createRenderProgress }, { createLogger }] = await Promise.all([
    import('../engine/index.ts'),
    import('./render-progress.ts'),
    import('../log.ts')
  ])
  const { config, sources } = await loadConfig({ home: ctx.home, env: ctx.io.env })
  // A render's log is for trouble only, unless the user asked for a level.
  const logger = createLogger({ level: sources.get('log.level') === 'default' ? 'warn' : config.log.level })
  const progress = createRenderProgress(ctx.io.stderr, !ctx.json)
  let outcome
  try {
    outcome = await embeddedRender({
      home: ctx.home,
      config,
      recipe: loaded.recipe,
      recipeDir: loaded.recipeDir,
      inputOverrides: loaded.overrides,
      outFile,
      signal: ctx.signal,
      onEvent: event => {
        progress.onEvent(event)
        options.onEvent?.(event)
      },
      env: ctx.io.env,
      logger
    })
  } finally {
    progress.stop()
  }
  const cached = outcome.steps.filter(step => step.cached).length
  const skipped = outcome.steps.filter(step => step.skipped === true).length
  const data = {
    output: outcome.outputCid,
    provenance: outcome.provenanceCid,
    size: outcome.size,
    file: outcome.outFile ?? null,
    planId: outcome.planId,
    runId: outcome.runId,
    mode: 'embedded',
    steps: outcome.steps.map(({ id, type, cacheId, cid, cached, skipped, producer }) => ({ id, type, cacheId, cid, cached, skipped: skipped === true, producer }))
  }
  return fields(data, [
    ['output', outcome.outputCid],
    ['provenance', outcome.provenanceCid],
    ...(outcome.outFile != null ? [['file', `${outcome.outFile} (${formatBytes(outcome.size)})`] as [string, string]] : []),
    ['steps', `${outcome.steps.length} (${outcome.steps.length - cached - skipped} rendered, ${cached} cached${skipped > 0 ? `, ${skipped} not needed` : ''})`]
  ])
}
