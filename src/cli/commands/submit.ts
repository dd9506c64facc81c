import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { value } from '../output.ts'

export default defineCommand({
  name: 'submit',
  summary: 'submit a recipe to the cluster; with --wait, follow it to its end',
  group: 'Jobs',
  order: 2,
  args: [{ name: 'recipe', description: 'the recipe file (YAML or JSON)' }],
  options: {
    input: { flags: '-i, --input <name=PATH|CID>', description: 'set a recipe input to a file or a CID (repeatable)', repeatable: true, default: [] },
    wait: { flags: '-w, --wait', description: 'follow the job live until it ends, then print its output CID' },
    output: { flags: '-o, --output <file>', description: 'with --wait: write the output here (atomically)' },
    label: { flags: '--label <text>', description: 'a name for the job in listings' }
  },
  input: z.object({
    recipe: z.string().min(1),
    input: z.array(z.string()),
    wait: z.boolean().optional(),
    output: z.string().min(1).optional(),
    label: z.string().max(200).optional()
  }),
  graceful: true,
  examples: ['artdag submit examples/teaser.yaml', 'artdag submit examples/trim.yaml --input clip=holiday.mp4 --wait -o short.mp4'],
  async run (args, ctx) {
    const [{ loadRecipeArgs }, { submitRecipe, followJob, finishedOutput }] = await Promise.all([import('../recipe-input.ts'), import('../submit-job.ts')])
    // Validated here first: a bad recipe is refused before anything is uploaded.
    const loaded = await loadRecipeArgs(args.recipe, args.input, ctx.io)
    const client = await ctx.client()
    const job = await submitRecipe(client, loaded, ctx, args.label != null ? { label: args.label } : {})
    if (args.wait !== true && args.output == null) return value(job, job.id)
    const { job: done, file } = await followJob(client, job.id, ctx, args.output)
    return finishedOutput(done, file)
  }
})
