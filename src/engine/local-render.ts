import type { RenderEventListener, StepReport } from './events.ts'
import { cachedReport, planEvent, withFrames } from './plan-reports.ts'
import type { StepRunner } from './step-runner.ts'
import type { Plan } from '../plan/index.ts'

export interface RenderPlanOptions {
  /** Steps run at once. */
  slots: number
  signal?: AbortSignal | undefined
  onEvent?: RenderEventListener | undefined
}

export interface PlanRenderResult {
  /** The main output's CID. */
  outputCid: string
  /** Every output step → its CID. */
  outputs: Record<string, string>
  /** In plan order. */
  steps: StepReport[]
}

/**
 * Renders a whole plan on this machine, scheduled by the coordinator the
 * daemon runs, in a cluster of one node (one-node-cluster.ts). Every cache_id
 * is looked up first: cached steps are served from the cache, and a step that
 * is not cached but whose every reader is cached is skipped (nothing needs
 * it). The rest start as soon as their inputs are ready, up to `slots` at once.
 * The first failure aborts the steps still running and is thrown once they
 * have stopped; an aborted signal stops the render and throws its reason.
 *
 * A plan whose every step is cached here (a render asked again) is served as
 * the coordinator serves it, without loading it (servedFromCache).
 */
export async function renderPlan (plan: Plan, runner: Pick<StepRunner, 'lookupLocal' | 'run'>, options: RenderPlanOptions): Promise<PlanRenderResult> {
  const served = await servedFromCache(plan, runner, options)
  if (served !== undefined) return served
  // Loaded by the first render: `artdag plan`, `get` and the other local commands need no scheduler.
  const { renderOnOneNode } = await import('./one-node-cluster.ts')
  return await renderOnOneNode(plan, { runner }, options)
}

/**
 * The result of a plan whose every step is in the local cache (its index, and
 * its content all here: lookupLocal, what the coordinator's lookups ask), with
 * the events and reports the coordinator gives such a plan; undefined when a
 * step is not (the outputs are asked first: a first render asks one). The
 * coordinator, its driver and the lease table (~30 modules, ~10 ms of a cached
 * render's ~0.25 s) load only for a plan with something to run or skip.
 */
export async function servedFromCache (plan: Plan, runner: Pick<StepRunner, 'lookupLocal'>, options: Pick<RenderPlanOptions, 'signal' | 'onEvent'>): Promise<PlanRenderResult | undefined> {
  const { signal } = options
  signal?.throwIfAborted()
  const found = new Map<string, string>()
  /** Whether every one of `cacheIds` is here (each noted in `found`). */
  const allHere = async (cacheIds: Iterable<string>): Promise<boolean> => {
    const cids = await Promise.all([...new Set(cacheIds)].map(async cacheId => [cacheId, await runner.lookupLocal(cacheId, { signal })] as const)).catch((err: unknown) => {
      // Stopped mid-lookup: the signal's reason, as the coordinator throws it, not the store's abort error.
      if (signal?.aborted === true) throw signal.reason
      throw err
    })
    for (const [cacheId, cid] of cids) if (cid !== undefined) found.set(cacheId, cid)
    return cids.every(([, cid]) => cid !== undefined)
  }
  const cacheIdOf = new Map(plan.steps.map(step => [step.id, step.cacheId]))
  if (!await allHere(plan.outputs.map(id => cacheIdOf.get(id) as string))) return undefined
  if (!await allHere(plan.steps.map(step => step.cacheId).filter(cacheId => !found.has(cacheId)))) return undefined
  signal?.throwIfAborted()
  const emit = options.onEvent ?? (() => {})
  emit(planEvent(plan))
  const steps = plan.steps.map(step => {
    const cid = found.get(step.cacheId) as string
    emit({ type: 'step_cached', stepId: step.id, cacheId: step.cacheId, cid })
    return withFrames(step, cachedReport(step, cid))
  })
  const cidOf = (id: string): string => found.get(cacheIdOf.get(id) as string) as string
  return { outputCid: cidOf(plan.output), outputs: Object.fromEntries(plan.outputs.map(id => [id, cidOf(id)])), steps }
}
