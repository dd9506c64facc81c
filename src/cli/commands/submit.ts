import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { value } from '../output.ts'

export default defineCommand({
  name: 'submit',
  summary: 'submit a recipe to the cluster and print the job id; with --wait, follow it to its end',
  group: 'Jobs',
  order: 2,
  args: [{ name: 'recipe', description: 'the recipe file (YAML or JSON)' }],
  options: {
    input: { flags: '-i, --input <name=PATH|CID>', description: 'set a recipe input to a file or a CID (repeatable)', repeatable: true, default: [] },
    wait: { flags: '-w, --wait', description: 'follow the job live until it ends, then print its output (the id is printed at once on stderr)' },
    output: { flags: '-o, --output <file|name=file>', description: 'follow it, then write the output here (atomically); NAME=FILE for the output node NAME (repeatable)', repeatable: true, default: [] },
    label: { flags: '--label <text>', description: 'a name for the job in listings' },
    cancelOnInterrupt: { flags: '--cancel-on-interrupt', description: 'with --wait: Ctrl-C cancels the job (by default it only stops following it; the job goes on)' }
  },
  input: z.object({
    recipe: z.string().min(1),
    input: z.array(z.string()),
    wait: z.boolean().optional(),
    output: z.array(z.string().min(1)),
    label: z.string().max(200).optional(),
    cancelOnInterrupt: z.boolean().optional()
  }),
  examples: ['artdag submit examples/teaser.yaml', 'artdag submit examples/trim.yaml --input clip=holiday.mp4 --wait -o short.mp4'],
  async run (args, ctx) {
    const [{ loadRecipeArgs, outputFormats }, { announceJob, runJob, submitRecipe }, { checkOutputFiles, parseOutputFlags, renderResultOutput }] = await Promise.all([
      import('../recipe-input.ts'),
      import('../submit-job.ts'),
      import('../render-result.ts')
    ])
    // Validated here first: a bad recipe is refused before anything is uploaded.
    const loaded = await loadRecipeArgs(args.recipe, args.input, ctx.io)
    const files = parseOutputFlags(args.output, loaded.recipe, ctx.io.cwd)
    const formatOf = await outputFormats(loaded.recipe)
    await checkOutputFiles(files, formatOf, ctx)
    const client = await ctx.client()
    const job = await submitRecipe(client, loaded, ctx, { label: args.label })
    if (args.wait !== true && args.output.length === 0) return value(job, job.id)
    announceJob(job, ctx)
    const result = await runJob(client, job.id, ctx, { outputs: loaded.recipe.outputs ?? [loaded.recipe.output], files, cancelOnInterrupt: args.cancelOnInterrupt, loaded })
    return renderResultOutput(result, ctx, formatOf(loaded.recipe.output))
  }
})
