import { resolve } from 'node:path'
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

    const { renderEmbedded } = await import('../render-embedded.ts')
    return await renderEmbedded(loaded, outFile, ctx)
  }
})
