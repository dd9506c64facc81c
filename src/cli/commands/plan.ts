import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { countOf } from '../format.ts'
import { table } from '../output.ts'

export default defineCommand({
  name: 'plan',
  summary: "show a recipe's plan: steps, levels, cache_ids, which are already cached, and which nodes are unused",
  group: 'Jobs',
  order: 0,
  args: [{ name: 'recipe', description: 'the recipe file (YAML or JSON)' }],
  options: {
    input: { flags: '-i, --input <name=PATH|CID>', description: 'set a recipe input to a file or a CID (repeatable)', repeatable: true, default: [] }
  },
  input: z.object({ recipe: z.string().min(1), input: z.array(z.string()) }),
  examples: ['artdag plan examples/teaser.yaml', 'artdag plan examples/trim.yaml --input clip=holiday.mp4 --json'],
  async run (args, ctx) {
    const [{ loadRecipeArgs, unusedNote }, { daemonIfRunning }, { shortId }] = await Promise.all([import('../recipe-input.ts'), import('../daemon-client.ts'), import('../ids.ts')])
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
      step.step,
      step.type,
      step.inputs.join(','),
      shortId(step.cacheId),
      step.cached ? 'cached' : step.willRun ? 'to run' : 'not needed',
      description.outputs.includes(step.step) ? 'output' : ''
    ])
    const { summary } = description
    // Notes for people; `--json` carries the same facts and nothing goes to stderr.
    if (!ctx.json) {
      ctx.io.stderr.write(
        `plan ${shortId(description.planId)} · run ${shortId(description.runId)} · ${countOf(summary.steps, 'step')} in ${countOf(description.levels.length, 'level')} · ${summary.cached} cached · ${summary.toRun} to run\n`
      )
      const note = unusedNote(description.unused, description.unusedInputs)
      if (note !== undefined) ctx.io.stderr.write(`${note}\n`)
    }
    return table(description, ['LEVEL', 'STEP', 'TYPE', 'INPUTS', 'CACHE_ID', 'STATE', ''], rows, 'the plan has no steps')
  }
})
