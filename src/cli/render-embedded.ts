import type { RenderResult } from '../api/index.ts'
import type { RenderEvent } from '../engine/index.ts'
import type { CommandContext } from './command.ts'
import { fromRenderEvent } from './live-sources.ts'
import { createLiveView, liveMode } from './live-view.ts'
import type { LoadedRecipe } from './recipe-input.ts'
import { resultFromLocal } from './render-result.ts'
import { inputHint } from './input-hint.ts'
import type { OutputFiles } from './render-result.ts'

/**
 * `artdag render` (and `transcode`) with no daemon: the embedded engine over
 * the home's stores, the live display on stderr, the outcome in the one
 * shape of a render's result. Ctrl-C stops the work (its ffmpeg is killed).
 */
export async function renderEmbedded (loaded: LoadedRecipe, files: OutputFiles, ctx: CommandContext, options: { onEvent?: (event: RenderEvent) => void } = {}): Promise<RenderResult> {
  const [{ loadConfig, embeddedRender }, { createLogger }] = await Promise.all([
    import('../engine/index.ts'),
    import('../log.ts')
  ])
  const { config, sources } = await loadConfig({ home: ctx.home, env: ctx.io.env })
  // A render's log is for trouble only, unless the user asked for a level.
  const logger = createLogger({ level: sources.get('log.level') === 'default' ? 'warn' : config.log.level })
  const view = createLiveView(ctx.io.stderr, { mode: liveMode(ctx.io.stderr, ctx.json) })
  const main = loaded.recipe.output
  let outcome
  try {
    outcome = await embeddedRender({
      home: ctx.home,
      config,
      recipe: loaded.recipe,
      recipeDir: loaded.recipeDir,
      inputOverrides: loaded.overrides,
      outFile: files[main],
      outFiles: Object.fromEntries(Object.entries(files).filter(([name]) => name !== main)),
      signal: ctx.signal,
      onEvent: event => {
        const update = fromRenderEvent(event, Date.now())
        if (update !== undefined) view.update(update)
        options.onEvent?.(event)
      },
      env: ctx.io.env,
      logger
    })
  } catch (err: unknown) {
    if (!ctx.signal.aborted) throw await withInputFile(err, loaded)
    // Here Ctrl-C stops the work itself (with a daemon it stops only the following).
    const { AbortedError } = await import('../errors.ts')
    throw new AbortedError('render stopped: its ffmpeg runs were stopped and nothing was written (the steps already done stay cached)', { interrupted: true }, { cause: err })
  } finally {
    view.stop()
  }
  return resultFromLocal(outcome, loaded.recipe.name)
}

/** A step that failed on one of the recipe's inputs names the file it came from (the engine knows only its CID). */
async function withInputFile (err: unknown, loaded: LoadedRecipe): Promise<unknown> {
  const { StepFailedError } = await import('../engine/index.ts')
  if (!(err instanceof StepFailedError)) return err
  const hint = inputHint(err.message, { path: loaded.path, overrides: loaded.overrides, recipe: loaded.recipe })
  return hint === '' ? err : new StepFailedError(`render failed${hint}: ${err.message}`, err.details, { cause: err })
}
