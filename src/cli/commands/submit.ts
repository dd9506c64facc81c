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
    const [{ checkRecipe, mainOutputFormat, outputFormats, readRecipe, requestWithoutUpload }, { announceJob, runJob, submitRecipe, submitUnchecked }, { checkOutputFiles, parseOutputFlags, renderResultOutput }] = await Promise.all([
      import('../recipe-input.ts'),
      import('../submit-job.ts'),
      import('../render-result.ts')
    ])
    const read = await readRecipe(args.recipe, ctx.io)
    // Nothing to upload and no file to write: the daemon checks the recipe (a bad one is a 400 naming
    // the node and field, as here), so this process need not load the step catalog to check it first.
    const unchecked = args.output.length === 0 ? await requestWithoutUpload(read.doc, args.input) : undefined
    if (unchecked !== undefined) {
      const { client, job } = await submitUnchecked(read, unchecked, args.input, ctx, { label: args.label })
      if (args.wait !== true) return value(job, job.id)
      announceJob(job, ctx)
      // The hint that names the output's file type (text only) needs the catalog: found while the job runs.
      const extension = ctx.json ? undefined : mainOutputFormat(read, args.input, ctx.io)
      const result = await runJob(client, job.id, ctx, { outputs: unchecked.outputs, cancelOnInterrupt: args.cancelOnInterrupt, loaded: { path: read.path, overrides: unchecked.overrides, recipe: { inputs: unchecked.inputs } } })
      return renderResultOutput(result, ctx, await extension)
    }
    // Checked here first: a bad recipe is refused before anything is uploaded.
    const loaded = await checkRecipe(read, args.input, ctx.io)
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
