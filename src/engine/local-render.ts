import type { RenderEventListener, StepReport } from './events.ts'
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
 */
export async function renderPlan (plan: Plan, runner: StepRunner, options: RenderPlanOptions): Promise<PlanRenderResult> {
  // Loaded by the first render: `artdag plan`, `get` and the other local commands need no scheduler.
  const { renderOnOneNode } = await import('./one-node-cluster.ts')
  return await renderOnOneNode(plan, { runner }, options)
}
