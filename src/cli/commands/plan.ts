import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { table } from '../output.ts'

export default defineCommand({
  name: 'plan',
  summary: "show a recipe's plan: steps, levels, cache_ids, and which are already cached",
  group: 'Jobs',
  order: 0,
  args: [{ name: 'recipe', description: 'the recipe file (YAML or JSON)' }],
  options: {
    input: { flags: '-i, --input <name=PATH|CID>', description: 'set a recipe input to a file or a CID (repeatable)', repeatable: true, default: [] }
  },
  input: z.object({ recipe: z.string().min(1), input: z.array(z.string()) }),
  examples: ['artdag plan examples/teaser.yaml', 'artdag plan examples/trim.yaml --input clip=holiday.mp4 --json'],
  async run (args, ctx) {
    const [{ loadRecipeArgs }, { daemonIfRunning }] = await Promise.all([import('../recipe-input.ts'), import('../daemon-client.ts')])
    const loaded = await loadRecipeArgs(args.recipe, args.input, ctx.io)
    // With a daemon running, it plans (it owns the home's stores) and asks the whole cluster's cache.
    const daemon = await daemonIfRunning(ctx)
    let description
    if (daemon != null) {
      const { uploadInputs } = await import('../submit-job.ts')
      const { recipe, inputs } = await uploadInputs(daemon, loaded, ctx)
      description = await daemon.plan({ recipe, inputs }, { signal: ctx.signal })
    } else {
      const [{ embeddedPlan, loadConfig }, { createLogger }] = await Promise.all([import('../../engine/index.ts'), import('../../log.ts')])
      // The config and a logger only matter for a transcode, whose source is analysed here first.
      const { config } = await loadConfig({ home: ctx.home, env: ctx.io.env })
      const logger = createLogger({ level: 'warn' })
      description = await embeddedPlan({ home: ctx.home, recipe: loaded.recipe, recipeDir: loaded.recipeDir, inputOverrides: loaded.overrides, config, env: ctx.io.env, logger, signal: ctx.signal })
    }
    const rows = description.steps.map(step => [
      String(step.level),
      step.id,
      step.type,
      step.inputs.join(','),
      step.cacheId.slice(0, 16),
      step.cached ? 'cached' : step.willRun ? 'to run' : 'not needed'
    ])
    const { summary } = description
    ctx.io.stderr.write(`plan ${description.planId.slice(0, 16)} · run ${description.runId.slice(0, 16)} · ${summary.steps} steps in ${description.levels.length} levels · ${summary.cached} cached · ${summary.toRun} to run\n`)
    return table(description, ['LEVEL', 'STEP', 'TYPE', 'INPUTS', 'CACHE_ID', 'STATE'], rows, 'the plan has no steps')
  }
})
