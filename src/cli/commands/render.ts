import { resolve } from 'node:path'
import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { formatBytes } from '../format.ts'
import { fields } from '../output.ts'

export default defineCommand({
  name: 'render',
  summary: 'render a recipe to a video: on this machine, or through the daemon when one runs',
  group: 'Jobs',
  order: 1,
  args: [{ name: 'recipe', description: 'the recipe file (YAML or JSON)' }],
  options: {
    input: { flags: '-i, --input <name=PATH|CID>', description: 'set a recipe input to a file or a CID (repeatable)', repeatable: true, default: [] },
    output: { flags: '-o, --output <file>', description: 'write the output here (atomically)' }
  },
  input: z.object({ recipe: z.string().min(1), input: z.array(z.string()), output: z.string().min(1).optional() }),
  graceful: true,
  examples: [
    'artdag render examples/teaser.yaml -o teaser.mp4',
    'artdag render examples/trim.yaml --input clip=holiday.mp4 -o short.mp4'
  ],
  async run (args, ctx) {
    const { loadRecipeArgs } = await import('../recipe-input.ts')
    // The recipe is validated before anything starts: a hostile recipe never reaches ffmpeg.
    const loaded = await loadRecipeArgs(args.recipe, args.input, ctx.io)
    const outFile = args.output != null ? resolve(ctx.io.cwd, args.output) : undefined

    // With a daemon running, the cluster renders it (the daemon owns the home's stores anyway).
    const { daemonIfRunning } = await import('../daemon-client.ts')
    const daemon = await daemonIfRunning(ctx)
    if (daemon != null) {
      const { submitRecipe, followJob, finishedOutput } = await import('../submit-job.ts')
      const job = await submitRecipe(daemon, loaded, ctx)
      const { job: done, file } = await followJob(daemon, job.id, ctx, outFile)
      return finishedOutput(done, file)
    }

    const [{ loadConfig, embeddedRender }, { createRenderProgress }, { createLogger }] = await Promise.all([
      import('../../engine/index.ts'),
      import('../render-progress.ts'),
      import('../../log.ts')
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
        onEvent: progress.onEvent,
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
})
