import { resolve } from 'node:path'
import { FailedJobError } from './errors.ts'
import { formatBytes } from './format.ts'
import { createJobProgress } from './job-progress.ts'
import { jobText } from './job-format.ts'
import { waitForJob } from './job-wait.ts'
import { value } from './output.ts'
import type { CommandContext } from './command.ts'
import type { Output } from './output.ts'
import type { LoadedRecipe } from './recipe-input.ts'
import type { ApiClient, JobDetail, JobSummary } from '../api/index.ts'

/**
 * `artdag submit` and `artdag render` with a daemon running: the recipe's
 * input files go into the daemon's store (streamed), their CIDs replace the
 * paths in the recipe, and the daemon publishes the job to the cluster.
 */
export async function submitRecipe (client: ApiClient, loaded: LoadedRecipe, ctx: CommandContext, options: { label?: string } = {}): Promise<JobSummary> {
  const { recipe, inputs } = await uploadInputs(client, loaded, ctx)
  return await client.submitJob({ recipe, inputs, ...(options.label != null ? { label: options.label } : {}) }, { signal: ctx.signal })
}

/** Adds the recipe's local input files to the daemon (streamed) and returns the recipe naming them by CID. */
export async function uploadInputs (client: ApiClient, loaded: LoadedRecipe, ctx: CommandContext): Promise<{ recipe: Record<string, unknown>, inputs: Record<string, string> }> {
  const { classifyInputRef, resolveInputPath, applyInputOverrides } = await import('../plan/index.ts')
  const recipe = applyInputOverrides(loaded.recipe, loaded.overrides)
  const inputs: Record<string, string> = {}
  for (const [name, ref] of Object.entries(recipe.inputs)) {
    const kind = classifyInputRef(ref)
    if (kind.kind === 'cid') {
      inputs[name] = kind.cid
      continue
    }
    const path = resolveInputPath(kind.path, loaded.recipeDir)
    const { stat } = await import('node:fs/promises')
    const info = await stat(path).catch(() => null)
    if (info?.isFile() !== true) {
      const { InvalidArgumentError } = await import('../errors.ts')
      throw new InvalidArgumentError(`input ${name}: file ${path} does not exist`, { input: name, path })
    }
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

/** Follows a submitted job to its end; writes the output to `outFile` if asked. Fails when the job did. */
export async function followJob (client: ApiClient, jobId: string, ctx: CommandContext, outFile?: string): Promise<{ job: JobDetail, file?: { path: string, size: number } }> {
  const progress = createJobProgress(ctx.io.stderr, !ctx.json)
  let job: JobDetail
  try {
    job = await waitForJob(client, jobId, {
      signal: ctx.signal,
      onUpdate: j => {
        progress.update(j)
      }
    })
  } finally {
    progress.stop()
  }
  if (job.state !== 'completed' || job.output == null) {
    throw new FailedJobError(`job ${jobId} ${job.state}${job.error != null ? `: ${job.error}` : ''}`, { job })
  }
  if (outFile == null) return { job }
  const path = resolve(ctx.io.cwd, outFile)
  const { saveContent } = await import('./save-content.ts')
  const { size } = await saveContent(client, job.output, path, ctx)
  return { job, file: { path, size } }
}

export function finishedOutput (job: JobDetail, file: { path: string, size: number } | undefined): Output {
  const data = { ...job, file: file?.path ?? null, size: file?.size ?? null }
  const text = ctxText(job, file)
  return value(data, text)
}

function ctxText (job: JobDetail, file: { path: string, size: number } | undefined): string {
  return [jobText(job), '', ...(file != null ? [`wrote ${file.path} (${formatBytes(file.size)})`] : [])].join('\n').trimEnd()
}
