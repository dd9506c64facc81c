import { InvalidArgumentError } from '../errors.ts'
import { expandTranscodes } from '../engine/index.ts'
import { findTranscodes, validateRecipe } from '../plan/index.ts'
import type { ExpandTranscodesInit } from '../engine/index.ts'
import type { JobsBackend, JobSubmitRequest } from '../api/index.ts'
import type { StepCatalog } from '../plan/index.ts'

/**
 * The daemon's `/v1/jobs` with transcodes expanded before they reach the job
 * service: a submitted (or planned) recipe's `transcode` nodes are analysed
 * here, on the node the source was just added to, and the static expanded
 * recipe is what the cluster receives. Everything else passes through.
 */
export function withTranscodeExpansion (jobs: JobsBackend, init: ExpandTranscodesInit & { catalog: StepCatalog }): JobsBackend {
  const expand = async (request: JobSubmitRequest, signal?: AbortSignal): Promise<JobSubmitRequest> => {
    const recipe = validateRecipe(request.recipe, init.catalog)
    if (findTranscodes(recipe).length === 0) return request
    const expanded = await expandTranscodes(recipe, request.inputs, init, { signal })
    return { ...request, recipe: { ...expanded.recipe, inputs: { ...expanded.recipe.inputs, ...expanded.inputs } } as unknown as Record<string, unknown>, inputs: expanded.inputs }
  }
  /**
   * A job's completion and pinning follow one output (src/jobs): a recipe with several is
   * refused here, with what to do, until they follow every output.
   */
  const oneOutput = (request: JobSubmitRequest): JobSubmitRequest => {
    const outputs = validateRecipe(request.recipe, init.catalog).outputs ?? []
    if (outputs.length > 1) {
      throw new InvalidArgumentError(`outputs: this daemon runs jobs of one output; the recipe names ${outputs.length} (${outputs.join(', ')}): render it with no daemon running, or submit it once per output (output: NAME)`, {
        field: 'outputs'
      })
    }
    return request
  }
  return {
    submit: async (request, options = {}) => await jobs.submit(await expand(oneOutput(request), options.signal), options),
    plan: async (request, options = {}) => await jobs.plan(await expand(request, options.signal), options),
    list: async (filter, options) => await jobs.list(filter, options),
    get: async (id, options) => await jobs.get(id, options),
    cancel: async (id, options) => await jobs.cancel(id, options)
  }
}
