import { z } from 'zod'
import { defineCommand } from '../command.ts'

export default defineCommand({
  name: 'render',
  summary: 'render a recipe to a video: on this machine, or through the daemon when one runs',
  group: 'Jobs',
  order: 1,
  args: [{ name: 'recipe', description: 'the recipe file (YAML or JSON)' }],
  options: {
    input: { flags: '-i, --input <name=PATH|CID>', description: 'set a recipe input to a file or a CID (repeatable)', repeatable: true, default: [] },
    output: { flags: '-o, --output <file|name=file>', description: 'write the output here (atomically); NAME=FILE writes the output node NAME of a recipe with several (repeatable)', repeatable: true, default: [] },
    cancelOnInterrupt: { flags: '--cancel-on-interrupt', description: 'with a daemon: Ctrl-C cancels the job (by default it only stops following it; the job goes on)' }
  },
  input: z.object({ recipe: z.string().min(1), input: z.array(z.string()), output: z.array(z.string().min(1)), cancelOnInterrupt: z.boolean().optional() }),
  examples: [
    'artdag render examples/teaser.yaml -o teaser.mp4',
    'artdag render examples/trim.yaml --input clip=holiday.mp4 -o short.mp4',
    'artdag render examples/picture-in-picture.yaml -o pip.mp4 -o poster=poster.png'
  ],
  async run (args, ctx) {
    const [{ loadRecipeArgs, outputFormats, unusedNote }, { checkOutputFiles, parseOutputFlags, renderResultOutput }, { unusedOf }] = await Promise.all([
      import('../recipe-input.ts'),
      import('../render-result.ts'),
      import('../../plan/index.ts')
    ])
    // The recipe and the files to write are checked before anything starts: a hostile recipe never
    // reaches ffmpeg, and a missing directory fails now, not after the render.
    const loaded = await loadRecipeArgs(args.recipe, args.input, ctx.io)
    const files = parseOutputFlags(args.output, loaded.recipe, ctx.io.cwd)
    const formatOf = await outputFormats(loaded.recipe)
    await checkOutputFiles(files, formatOf, ctx)
    const { unused, unusedInputs } = unusedOf(loaded.recipe)
    const note = unusedNote(unused, unusedInputs)
    if (note !== undefined && !ctx.json) ctx.io.stderr.write(`${note}\n`)

    // With a daemon running, the cluster renders it (the daemon owns the home's stores anyway).
    const { daemonIfRunning } = await import('../daemon-client.ts')
    const daemon = await daemonIfRunning(ctx)
    let result
    if (daemon != null) {
      const { announceJob, runJob, submitRecipe } = await import('../submit-job.ts')
      const job = await submitRecipe(daemon, loaded, ctx)
      announceJob(job, ctx)
      result = await runJob(daemon, job.id, ctx, { outputs: loaded.recipe.outputs ?? [loaded.recipe.output], files, cancelOnInterrupt: args.cancelOnInterrupt, loaded })
    } else {
      const { renderEmbedded } = await import('../render-embedded.ts')
      result = await renderEmbedded(loaded, files, ctx)
    }
    return renderResultOutput(result, ctx, formatOf(loaded.recipe.output))
  }
})
