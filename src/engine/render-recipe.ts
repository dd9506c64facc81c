import { stat } from 'node:fs/promises'
import { CID } from 'multiformats/cid'
import { renderPlan } from './local-render.ts'
import { buildProvenance } from './provenance.ts'
import { InputFileError } from './errors.ts'
import { createSourceAnalyzer } from './analyze-source.ts'
import { expandTranscodes } from './expand-transcodes.ts'
import { applyInputOverrides, classifyInputRef, EMPTY_INPUT_HINT, plan as planRecipe, resolveInputPath } from '../plan/index.ts'
import type { Plan, Recipe, StepCatalog } from '../plan/index.ts'
import type { RenderEventListener, StepReport } from './events.ts'
import type { StepRunner } from './step-runner.ts'
import type { ContentStore } from '../store/index.ts'
import { present } from '../defined.ts'

export interface RenderRecipeInit {
  store: ContentStore
  runner: StepRunner
  catalog: StepCatalog
  nodeId: string
  artdagVersion: string
  ffmpegVersion: () => Promise<string>
  /** What this machine can encode (codecs and hardware encoders): a transcode needing something else is refused before any work. */
  capabilities?: ((options: { signal?: AbortSignal | undefined }) => Promise<Iterable<string>>) | undefined
}

export interface RenderRecipeOptions {
  recipe: Recipe
  /** Relative input paths are resolved against it (the recipe file's directory). */
  recipeDir: string
  /** `--input name=PATH|CID` values. */
  inputOverrides?: Record<string, string> | undefined
  slots: number
  /** Also write the main output here (atomically). */
  outFile?: string | undefined
  /** Also write these outputs (output node → file), atomically. */
  outFiles?: Record<string, string> | undefined
  signal?: AbortSignal | undefined
  onEvent?: RenderEventListener | undefined
}

export interface RenderOutcome {
  outputCid: string
  /** Every output node → its CID (the main one is `output`). */
  outputs: Record<string, string>
  provenanceCid: string
  planId: string
  runId: string
  output: string
  steps: StepReport[]
  outFile?: string
  /** Bytes of the main output. */
  size: number
  /** The files written (-o), in the order asked. */
  files: Array<{ output: string, path: string, size: number }>
}

/** Every recipe input as a CID: local files are added to the store first (streamed). */
export async function resolveInputCids (recipe: Recipe, recipeDir: string, store: ContentStore, options: { signal?: AbortSignal | undefined } = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(recipe.inputs)) {
    const ref = classifyInputRef(value)
    if (ref.kind === 'cid') {
      out[name] = ref.cid
      continue
    }
    const path = resolveInputPath(ref.path, recipeDir)
    const info = await stat(path).catch(() => null)
    if (info == null) throw new InputFileError(`input ${name}: file ${path} does not exist`, { input: name, path })
    if (!info.isFile()) throw new InputFileError(`input ${name}: ${path} is not a file`, { input: name, path })
    if (info.size === 0) throw new InputFileError(`input ${name}: file ${path} is empty (0 bytes): ${EMPTY_INPUT_HINT}`, { input: name, path })
    out[name] = (await store.addFile(path, options)).toString()
  }
  return out
}

/** Parses nothing and renders everything: the embedded `artdag render` path, on this machine. */
export async function renderRecipe (init: RenderRecipeInit, options: RenderRecipeOptions): Promise<RenderOutcome & { plan: Plan }> {
  const given = applyInputOverrides(options.recipe, options.inputOverrides ?? {})
  const givenCids = await resolveInputCids(given, options.recipeDir, init.store, { signal: options.signal })
  // Transcodes are analysed and expanded into chunks first: what is planned is the static recipe a cluster would plan.
  const { recipe, inputs: inputCids } = await expandTranscodes(given, givenCids, {
    catalog: init.catalog,
    analyze: createSourceAnalyzer({ runner: init.runner, store: init.store, catalog: init.catalog }),
    ...present({ capabilities: init.capabilities })
  }, { signal: options.signal })
  const plan = planRecipe(recipe, inputCids, init.catalog)
  const result = await renderPlan(plan, init.runner, { slots: options.slots, signal: options.signal, onEvent: options.onEvent })
  const output = CID.parse(result.outputCid)
  for (const [name, cid] of Object.entries(result.outputs)) {
    await init.store.pin({ cid: CID.parse(cid), kind: 'final', labels: { runId: plan.runId, recipe: recipe.name, ...(name !== plan.output ? { output: name } : {}) } }, { signal: options.signal })
  }
  const provenance = buildProvenance({ recipe, plan, steps: result.steps, ffmpegVersion: await init.ffmpegVersion(), nodeId: init.nodeId, artdagVersion: init.artdagVersion })
  const provenanceCid = await init.store.putJson(provenance, { signal: options.signal })
  await init.store.pin({ cid: provenanceCid, kind: 'final', labels: { provenanceOf: result.outputCid } }, { signal: options.signal })
  const wanted = Object.entries({ ...(options.outFile != null ? { [plan.output]: options.outFile } : {}), ...options.outFiles })
  const files: RenderOutcome['files'] = []
  for (const [name, path] of wanted) {
    const cid = result.outputs[name]
    if (cid == null) throw new InputFileError(`-o ${name}=${path}: ${name} is not an output of recipe ${recipe.name} (its outputs: ${plan.outputs.join(', ')})`, { output: name })
    files.push({ output: name, path, ...await init.store.getFile(CID.parse(cid), path, { signal: options.signal }) })
  }
  const size = files.find(f => f.output === plan.output)?.size ?? (await init.store.stat(output, { signal: options.signal })).size
  return {
    outputCid: result.outputCid,
    outputs: result.outputs,
    files,
    provenanceCid: provenanceCid.toString(),
    planId: plan.planId,
    runId: plan.runId,
    output: plan.output,
    steps: result.steps,
    size,
    plan,
    ...present({ outFile: options.outFile })
  }
}
