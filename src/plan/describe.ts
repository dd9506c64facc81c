import type { Plan, PlannedStep } from './planner.ts'

/**
 * What `artdag plan RECIPE [--json]` prints: the steps, their levels and
 * cache_ids, and which are already cached (and so which still have to run).
 */
export interface StepDescription {
  /** The recipe node. */
  step: string
  type: string
  level: number
  cacheId: string
  /** Input names and step ids, in order. */
  inputs: string[]
  cached: boolean
  /**
   * Whether a render has to run it: not cached, and needed by the output
   * through steps that are not cached either.
   */
  willRun: boolean
}

export interface PlanDescription {
  recipe: string
  planId: string
  runId: string
  output: string
  outputCacheId: string
  /** Every output node, the main one first. */
  outputs: string[]
  inputs: Record<string, string>
  levels: string[][]
  steps: StepDescription[]
  unused: string[]
  unusedInputs: string[]
  summary: { steps: number, cached: number, toRun: number }
}

export type CachedLookup = (cacheId: string) => boolean | Promise<boolean>

export async function describePlan (plan: Plan, cached: CachedLookup, options: { signal?: AbortSignal | undefined } = {}): Promise<PlanDescription> {
  options.signal?.throwIfAborted()
  // Several steps can share a cache_id (identical nodes): ask once per id.
  const unique = [...new Set(plan.steps.map(s => s.cacheId))]
  const answers = await Promise.all(unique.map(async id => [id, await cached(id)] as const))
  options.signal?.throwIfAborted()
  const isCached = new Map(answers)

  const willRun = stepsToRun(plan.steps, plan.outputs, id => isCached.get(id) === true)
  const steps = plan.steps.map(step => ({
    step: step.id,
    type: step.type,
    level: step.level,
    cacheId: step.cacheId,
    inputs: step.inputs.map(i => i.kind === 'input' ? i.name : i.id),
    cached: isCached.get(step.cacheId) === true,
    willRun: willRun.has(step.id)
  }))
  const output = plan.steps.find(s => s.id === plan.output) as PlannedStep
  return {
    recipe: plan.recipeName,
    planId: plan.planId,
    runId: plan.runId,
    output: plan.output,
    outputCacheId: output.cacheId,
    outputs: [...plan.outputs],
    inputs: { ...plan.inputs },
    levels: plan.levels.map(level => [...level]),
    steps,
    unused: [...plan.unused],
    unusedInputs: [...plan.unusedInputs],
    summary: {
      steps: steps.length,
      cached: steps.filter(s => s.cached).length,
      toRun: willRun.size
    }
  }
}

/**
 * The steps a render runs: walk back from the outputs; a cached step is
 * fetched, not run, and needs nothing upstream of it.
 */
export function stepsToRun (steps: readonly PlannedStep[], outputs: string | readonly string[], isCached: (cacheId: string) => boolean): Set<string> {
  const byId = new Map(steps.map(s => [s.id, s]))
  const run = new Set<string>()
  const seen = new Set<string>()
  const stack = typeof outputs === 'string' ? [outputs] : [...outputs]
  while (stack.length > 0) {
    const id = stack.pop() as string
    if (seen.has(id)) continue
    seen.add(id)
    const step = byId.get(id)
    if (step == null || isCached(step.cacheId)) continue
    run.add(id)
    for (const input of step.inputs) if (input.kind === 'step') stack.push(input.id)
  }
  return run
}
