import { errorMessage } from '../../../errors.ts'
import { NoExecutorError, StepInputMissingError, StepNotInPlanError } from '../../errors.ts'
import type { Executions } from '../executions.ts'
import type { JobPlans } from '../plans.ts'
import type { JobStatus } from '../../core/status.ts'
import type { ExecutionRef } from '../../core/types.ts'
import type { ExecutionReport, ExecutorPort, PortOptions } from '../../driver/ports.ts'

export interface StepExecutorComponents {
  /** Absent when this node has no usable ffmpeg. */
  executions: Executions | undefined
  plans: JobPlans
  /** The job as the coordinator sees it now: where each input's result came from. */
  status: (jobId: string) => JobStatus | undefined
  self: string
}

/**
 * Runs the steps the coordinator starts: finds the step in the job's plan,
 * its inputs' CIDs (and the nodes that produced them, to fetch from first),
 * and hands it to the executions. A step that cannot even start fails like
 * any other, with the reason as its error.
 */
export class StepExecutor implements ExecutorPort {
  readonly #c: StepExecutorComponents

  constructor (components: StepExecutorComponents) {
    this.#c = components
  }

  async start (ref: ExecutionRef, report: ExecutionReport, options: PortOptions): Promise<void> {
    try {
      const executions = this.#c.executions
      if (executions === undefined) throw new NoExecutorError('this node has no usable ffmpeg', { cacheId: ref.cacheId })
      const planned = await this.#c.plans.get(ref.jobId, { signal: options.signal })
      const step = planned.plan.steps.find(s => s.id === ref.stepId)
      if (step === undefined) throw new StepNotInPlanError(`the plan of job ${ref.jobId} has no step ${ref.stepId}`, { jobId: ref.jobId, stepId: ref.stepId })
      const status = this.#c.status(ref.jobId)
      const from = new Set<string>()
      const inputCids = step.inputs.map(input => {
        if (input.kind === 'input') return input.cid
        const upstream = status?.steps.find(s => s.stepId === input.id)
        if (upstream?.cid === undefined) throw new StepInputMissingError(`input ${input.id} of step ${ref.stepId} has no result yet`, { jobId: ref.jobId, stepId: ref.stepId })
        if (upstream.node !== undefined && upstream.node !== this.#c.self) from.add(upstream.node)
        return upstream.cid
      })
      executions.start(ref, step, inputCids, {
        finished: (_ref, cid, durationMs) => {
          report.finished(cid, durationMs)
        },
        failed: (_ref, errorTail, lost) => {
          report.failed(errorTail, lost)
        }
      }, { from: [...from] })
    } catch (err: unknown) {
      if (options.signal.aborted) return
      report.failed(errorMessage(err))
    }
  }

  abort (ref: ExecutionRef, reason: string): void {
    this.#c.executions?.abort(ref, reason)
  }
}
