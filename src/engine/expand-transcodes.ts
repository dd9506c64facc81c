import { EncoderMissingError, expandRecipe, findTranscodes, soundToCopy, validateRecipe } from '../plan/index.ts'
import type { Recipe, StepCatalog, TranscodeAnalysis } from '../plan/index.ts'

/**
 * Before a job is submitted or planned: every `transcode` node of the recipe
 * is analysed (a cached step; its sound copied out too) and expanded into
 * chunk steps, an audio step and a join (src/plan/transcode/expand.ts, pure),
 * with the analysis's CID (and the sound's) recorded among the inputs. What comes out is a static recipe that every
 * node plans the same way, whose chunks are ordinary steps. The daemon's
 * submit path and the embedded render call this one function.
 */
export type TranscodeAnalyzer = (source: TranscodeSource, options?: { signal?: AbortSignal | undefined }) => Promise<TranscodeAnalysis>

export interface TranscodeSource {
  node: string
  input: string
  cid: string
  /** From the analysis's facts: the audio stream to copy out next to it (soundToCopy), if any. */
  sound?: ((facts: unknown) => number | undefined) | undefined
}

export interface ExpandTranscodesInit {
  catalog: StepCatalog
  analyze: TranscodeAnalyzer
  /**
   * Codecs and encoders the nodes that could run the job advertise (this one
   * included). A transcode that needs one none has is refused before any work.
   * Absent: not checked.
   */
  capabilities?: ((options: { signal?: AbortSignal | undefined }) => Promise<Iterable<string>>) | undefined
}

export interface ExpandedTranscode {
  node: string
  input: string
  analysis: string
  chunks: number
}

export interface ExpandedRequest {
  recipe: Recipe
  /** The input CIDs, with each analysis's added. */
  inputs: Record<string, string>
  transcodes: ExpandedTranscode[]
}

/**
 * The recipe with its transcodes expanded, or as it is when it has none.
 * `inputs` maps every recipe input to its CID. Throws TranscodeInputError
 * (a transcode of a node's output), EncoderMissingError, TranscodeSourceError
 * (no video) or the analysis's failure (not a media file), all before any
 * encoding starts.
 */
export async function expandTranscodes (recipe: Recipe, inputs: Readonly<Record<string, string>>, init: ExpandTranscodesInit, options: { signal?: AbortSignal | undefined } = {}): Promise<ExpandedRequest> {
  const targets = findTranscodes(recipe)
  if (targets.length === 0) return { recipe, inputs: { ...inputs }, transcodes: [] }

  if (init.capabilities != null) {
    const available = new Set(await init.capabilities(options))
    const definition = init.catalog.get('transcode')
    for (const target of targets) {
      const config = recipe.nodes[target.node]?.config ?? {}
      const missing = (definition?.requires?.(config) ?? []).filter(need => !available.has(need))
      if (missing.length > 0) {
        throw new EncoderMissingError(
          `nodes.${target.node}: no node of the cluster can encode ${missing.join(' and ')} (they have ${[...available].sort().join(', ') || 'nothing'}); pick another codec or hardware, or add a node that has it`,
          { node: target.node, missing }
        )
      }
    }
  }

  const analyses = new Map<string, TranscodeAnalysis>()
  for (const target of targets) {
    options.signal?.throwIfAborted()
    const cid = inputs[target.input]
    if (cid == null) throw new TypeError(`no CID for input ${target.input}`)
    const config = recipe.nodes[target.node]?.config ?? {}
    analyses.set(target.node, await init.analyze({ node: target.node, input: target.input, cid, sound: facts => soundToCopy(target, config, facts) }, options))
  }
  const expanded = expandRecipe(recipe, analyses)
  const withAnalyses = { ...inputs }
  for (const [name, value] of Object.entries(expanded.inputs)) if (!Object.hasOwn(withAnalyses, name)) withAnalyses[name] = value
  return {
    // Validated here so a problem shows before submission, as the planner on every node would find it.
    recipe: validateRecipe(expanded, init.catalog),
    inputs: withAnalyses,
    transcodes: targets.map(t => ({
      node: t.node,
      input: t.input,
      analysis: (analyses.get(t.node) as TranscodeAnalysis).cid,
      chunks: Object.values(expanded.nodes).filter(n => n.type === 'transcode_chunk' && n.inputs[0] === t.input).length
    }))
  }
}
