import { stat } from 'node:fs/promises'
import { dirname, extname, join, resolve, sep } from 'node:path'
import { InvalidArgumentError } from '../errors.ts'
import { runFps } from '../plan/light/index.ts'
import type { JobDetail, JobStep, RenderResult } from '../api/index.ts'
import type { RenderOutcome } from '../engine/index.ts'
import type { Recipe } from '../plan/index.ts'
import type { CommandContext } from './command.ts'
import { formatBytes } from './format.ts'
import { shortId } from './ids.ts'
import { fields } from './output.ts'
import type { Output } from './output.ts'
import { defined } from '../defined.ts'

/**
 * A finished render, one shape whether it ran on this machine or on a
 * cluster (`RenderResult`, docs/API.md), and the files asked for with `-o`:
 * `-o FILE` writes the recipe's (main) output, `-o NAME=FILE` the output
 * node NAME of a recipe with several. Where they go is checked before any
 * work starts.
 */

/** Output node → absolute path. */
export type OutputFiles = Record<string, string>

/** The output nodes of a recipe, the main one first. */
export function recipeOutputs (recipe: Pick<Recipe, 'output' | 'outputs'>): string[] {
  return recipe.outputs ?? [recipe.output]
}

/** `-o FILE` and `-o NAME=FILE` flags, paths made absolute against the current directory. */
export function parseOutputFlags (values: readonly string[], recipe: Pick<Recipe, 'output' | 'outputs'>, cwd: string): OutputFiles {
  const outputs = recipeOutputs(recipe)
  const files: OutputFiles = {}
  for (const value of values) {
    const at = value.indexOf('=')
    const name = at > 0 ? value.slice(0, at) : ''
    const [node, path] = outputs.includes(name) ? [name, value.slice(at + 1)] : [outputs[0] as string, value]
    if (files[node] != null) throw new InvalidArgumentError(`-o: two files for the output ${node} (${files[node]}, ${path}); give it once (-o NAME=FILE names another output: ${outputs.join(', ')})`, { output: node })
    // `resolve` drops a trailing slash: `-o renders/` would write a file named renders.
    if (path.endsWith('/') || path.endsWith(sep)) throw new InvalidArgumentError(`-o ${path}: names a directory; name the file in it (-o ${join(path, node)}.mp4, say)`, { output: node })
    files[node] = resolve(cwd, path)
  }
  return files
}

/** The file extensions a step's output format is read under. */
const EXTENSIONS: Readonly<Record<string, readonly string[]>> = {
  mp4: ['.mp4', '.m4v', '.mov'],
  mkv: ['.mkv'],
  webm: ['.webm'],
  png: ['.png'],
  json: ['.json']
}

/**
 * Fails before any work when a file cannot be written (its directory is
 * missing); warns when its name does not say what will be in it (`-o x.mp4`
 * for a WebM output: the bytes are written as they are).
 */
export async function checkOutputFiles (files: OutputFiles, formatOf: (output: string) => string | undefined, ctx: Pick<CommandContext, 'io' | 'json'>): Promise<void> {
  for (const [output, path] of Object.entries(files)) {
    const dir = dirname(path)
    const info = await stat(dir).catch(() => null)
    if (info?.isDirectory() !== true) {
      throw new InvalidArgumentError(`-o ${path}: the directory ${dir} ${info == null ? 'does not exist' : 'is not a directory'}; create it first (nothing was rendered)`, { output, path })
    }
    const format = formatOf(output)
    if ((await stat(path).catch(() => null))?.isDirectory() === true) {
      throw new InvalidArgumentError(`-o ${path}: is a directory; name the file in it (-o ${join(path, `${output}.${format ?? 'mp4'}`)}; nothing was rendered)`, { output, path })
    }
    const expected = format !== undefined ? EXTENSIONS[format] : undefined
    const ext = extname(path).toLowerCase()
    if (!ctx.json && expected !== undefined && ext !== '' && !expected.includes(ext)) {
      ctx.io.stderr.write(`note: ${output} is ${format === 'mkv' ? 'Matroska (mkv)' : format}, but -o names ${path}: its bytes are written as they are (name it ${expected[0] ?? ''})\n`)
    }
  }
}

/** The main output's step and the CIDs of the others, from a job's steps. */
function outputsOfJob (job: JobDetail, names: readonly string[] | undefined): Record<string, string> {
  const output = job.output as string
  if (names === undefined) {
    const main = job.steps.find(s => s.cid === output)?.step ?? 'output'
    return { [main]: output }
  }
  return Object.fromEntries(names.map((name, i) => [name, i === 0 ? output : job.steps.find(s => s.step === name)?.cid ?? '']))
}

export function resultFromJob (job: JobDetail, outputs: readonly string[] | undefined, files: RenderResult['files']): RenderResult {
  return {
    job: job.id,
    recipe: job.recipe,
    state: 'completed',
    output: job.output as string,
    outputs: outputsOfJob(job, outputs),
    provenance: job.provenance,
    files,
    steps: job.steps
  }
}

/** A render on this machine, in the job's shape: its steps as a job's steps, run here (no peer). */
export function resultFromLocal (outcome: RenderOutcome, recipe: string): RenderResult {
  const steps: JobStep[] = outcome.steps.map(s => {
    const durationMs = s.startedAt !== null && s.finishedAt !== null ? s.finishedAt - s.startedAt : null
    return {
      step: s.id,
      type: s.type,
      cacheId: s.cacheId,
      state: s.cached ? 'cached' : s.skipped === true ? 'skipped' : 'completed',
      peer: null,
      attempts: s.cached || s.skipped === true ? 0 : 1,
      durationMs,
      cached: s.cached,
      cid: s.cid,
      error: null,
      ...defined({ log: s.log }),
      ...(s.frames !== undefined ? { frames: s.frames, fps: runFps(s.frames, durationMs) } : {})
    }
  })
  return { job: null, recipe, state: 'completed', output: outcome.outputCid, outputs: outcome.outputs, provenance: outcome.provenanceCid, files: outcome.files, steps }
}

/** The result as fields (text) or JSON; with no file written, a hint on stderr says how to get it. */
export function renderResultOutput (result: RenderResult, ctx: Pick<CommandContext, 'io' | 'json'>, extension?: string): Output {
  const cached = result.steps.filter(s => s.state === 'cached').length
  const skipped = result.steps.filter(s => s.state === 'skipped').length
  const others = Object.entries(result.outputs).filter(([, cid]) => cid !== result.output)
  if (!ctx.json && result.files.length === 0) {
    ctx.io.stderr.write(`save it with: artdag get ${shortId(result.output)} -o ${extension !== undefined ? `${result.recipe}.${extension}` : 'FILE'}\n`)
  }
  return fields(result, [
    ...(result.job !== null ? [['job', result.job] as [string, string]] : []),
    ['output', result.output],
    ...others.map(([name, cid]): [string, string] => [`output ${name}`, cid]),
    ['provenance', result.provenance ?? '-'],
    ...result.files.map((f): [string, string] => ['file', `${f.path} (${formatBytes(f.size)})${Object.keys(result.outputs).length > 1 ? ` ← ${f.output}` : ''}`]),
    ['steps', `${result.steps.length} (${result.steps.length - cached - skipped} rendered, ${cached} cached${skipped > 0 ? `, ${skipped} not needed` : ''})`]
  ])
}
