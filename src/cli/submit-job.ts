import { InvalidArgumentError } from '../errors.ts'
import type { ApiClient, JobDetail, JobSummary, RenderResult } from '../api/index.ts'
import type { CommandContext } from './command.ts'
import { FailedJobError } from './errors.ts'
import { followJob } from './follow-job.ts'
import { inputHint } from './input-hint.ts'
import type { InputSources } from './input-hint.ts'
import { shortId } from './ids.ts'
import { createLiveView, liveMode } from './live-view.ts'
import type { LoadedRecipe, ReadRecipe, UncheckedRequest } from './recipe-input.ts'
import { resultFromJob } from './render-result.ts'
import type { OutputFiles } from './render-result.ts'
import { present } from '../defined.ts'

/**
 * `artdag submit` and `artdag render` with a daemon running: the recipe's
 * input files go into the daemon's store (streamed), their CIDs replace the
 * paths in the recipe, and the daemon publishes the job to the cluster.
 */
export async function submitRecipe (client: ApiClient, loaded: LoadedRecipe, ctx: CommandContext, options: { label?: string | undefined } = {}): Promise<JobSummary> {
  const { recipe, inputs } = await uploadInputs(client, loaded, ctx)
  return await client.submitJob({ recipe, inputs, ...present({ label: options.label }) }, { signal: ctx.signal })
}

/**
 * `artdag submit` of a recipe with nothing to upload: the parsed recipe goes to the daemon as it
 * is, and the daemon checks it. When it is refused, or cannot be sent, the recipe is checked here:
 * its own error (the node and field, as with no daemon) comes first, else the daemon's.
 */
export async function submitUnchecked (read: ReadRecipe, request: UncheckedRequest, flags: string[], ctx: CommandContext, options: { label?: string | undefined } = {}): Promise<{ client: ApiClient, job: JobSummary }> {
  try {
    const client = await ctx.client()
    const job = await client.submitJob({ recipe: request.recipe, inputs: request.inputs, ...present({ label: options.label }) }, { signal: ctx.signal })
    return { client, job }
  } catch (err: unknown) {
    if (!ctx.signal.aborted) {
      const { checkRecipe } = await import('./recipe-input.ts')
      await checkRecipe(read, flags, ctx.io)
    }
    throw err
  }
}

/** Adds the recipe's local input files to the daemon (streamed) and returns the recipe naming them by CID. */
export async function uploadInputs (client: ApiClient, loaded: LoadedRecipe, ctx: CommandContext): Promise<{ recipe: Record<string, unknown>, inputs: Record<string, string> }> {
  const [{ classifyInputRef, resolveInputPath, applyInputOverrides, EMPTY_INPUT_HINT }, { stat }] = await Promise.all([import('../plan/light/index.ts'), import('node:fs/promises')])
  const recipe = applyInputOverrides(loaded.recipe, loaded.overrides)
  const inputs: Record<string, string> = {}
  for (const [name, ref] of Object.entries(recipe.inputs)) {
    const kind = classifyInputRef(ref)
    if (kind.kind === 'cid') {
      inputs[name] = kind.cid
      continue
    }
    const path = resolveInputPath(kind.path, loaded.recipeDir)
    const info = await stat(path).catch(() => null)
    const given = loaded.overrides[name] != null ? ' (given with --input)' : ` (named in ${loaded.path})`
    if (info?.isFile() !== true) {
      throw new InvalidArgumentError(`input ${name}: file ${path} ${info == null ? 'does not exist' : 'is not a file'}${given}`, { input: name, path })
    }
    // Refused here, not by every node in turn after the upload.
    if (info.size === 0) throw new InvalidArgumentError(`input ${name}: file ${path} is empty (0 bytes)${given}: ${EMPTY_INPUT_HINT}`, { input: name, path })
    const progress = ctx.progress(`add ${name}`, info.size)
    try {
      inputs[name] = (await client.addFile(path, {
        pin: 'user',
        signal: ctx.signal,
        onProgress: sent => {
          progress.update(sent)
        }
      })).cid
    } finally {
      progress.stop()
    }
  }
  // The job document is self-contained: the recipe names its inputs by CID, not by local path.
  return { recipe: { ...recipe, inputs } as unknown as Record<string, unknown>, inputs }
}

export interface RunJobOptions {
  /** The recipe's output nodes, when known (this CLI submitted it). */
  outputs?: readonly string[] | undefined
  files?: OutputFiles | undefined
  cancelOnInterrupt?: boolean | undefined
  /** Says where the recipe's inputs came from when the job fails on one. */
  loaded?: InputSources | undefined
}

/**
 * Follows a job to its end with the live display, then writes the files asked
 * for. A job that failed or was cancelled is a FailedJobError (exit 1) whose
 * message names the failing step, and the recipe's input and file when one
 * of them was the cause.
 */
export async function runJob (client: ApiClient, jobId: string, ctx: CommandContext, options: RunJobOptions = {}): Promise<RenderResult> {
  const view = createLiveView(ctx.io.stderr, { mode: liveMode(ctx.io.stderr, ctx.json) })
  let job: JobDetail
  try {
    job = await followJob(client, jobId, { signal: ctx.signal, view, cancelOnInterrupt: options.cancelOnInterrupt })
  } finally {
    view.stop()
  }
  if (job.state !== 'completed' || job.output == null) {
    const why = job.error != null ? `: ${job.error}` : ''
    throw new FailedJobError(`job ${shortId(jobId)} ${job.state}${inputHint(job.error, options.loaded)}${why}`, { job })
  }
  const files: RenderResult['files'] = []
  const outputs = resultFromJob(job, options.outputs, []).outputs
  for (const [output, path] of Object.entries(options.files ?? {})) {
    const cid = outputs[output]
    if (cid == null || cid === '') continue
    const { saveContent } = await import('./save-content.ts')
    files.push({ output, path, ...await saveContent(client, cid, path, ctx) })
  }
  return resultFromJob(job, options.outputs, files)
}

/** Says the job's id at once, before following it (so it can be typed into another terminal). */
export function announceJob (job: JobSummary, ctx: CommandContext): void {
  if (ctx.json) return
  ctx.io.stderr.write(`job ${job.id} submitted; following it (Ctrl-C stops following, the job goes on: artdag cancel ${shortId(job.id)} stops it)\n`)
}
