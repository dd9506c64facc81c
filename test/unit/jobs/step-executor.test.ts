import { describe, expect, it } from 'vitest'
import { StepExecutor } from '../../../src/jobs/service/ports/executor.ts'
import type { Executions } from '../../../src/jobs/service/executions.ts'
import type { JobPlans } from '../../../src/jobs/service/plans.ts'
import type { ExecutionRef } from '../../../src/jobs/core/types.ts'

/**
 * The executor between the coordinator's startExecution and the executions: a speculative run's
 * claim can be lost (and its run aborted) while the executor still reads the job's plan.
 */
describe('StepExecutor', () => {
  const ref: ExecutionRef = { jobId: 'job-1', stepId: 's0', cacheId: 'c0', epoch: 1 }
  const plan = { plan: { steps: [{ id: 's0', type: 'generate', inputs: [] }] } }

  function executor (): { executor: StepExecutor, started: ExecutionRef[], releasePlan: () => void, reports: string[] } {
    const started: ExecutionRef[] = []
    let releasePlan = (): void => {}
    const planRead = new Promise<void>(resolve => {
      releasePlan = resolve
    })
    const executions = { start: (r: ExecutionRef) => started.push(r), abort: () => {} } as unknown as Executions
    const plans = {
      get: async () => {
        await planRead
        return plan
      }
    } as unknown as JobPlans
    return { executor: new StepExecutor({ executions, plans, status: () => undefined, self: 'A' }), started, releasePlan, reports: [] }
  }

  it('never starts a run aborted while its plan was being read, and reports nothing of it', async () => {
    const { executor: e, started, releasePlan, reports } = executor()
    const starting = e.start(ref, { finished: cid => reports.push(cid), failed: tail => reports.push(tail) }, { signal: new AbortController().signal })
    e.abort(ref, 'lost_lease')
    releasePlan()
    await starting
    expect(started).toEqual([])
    expect(reports).toEqual([])
  })

  it('starts the run when no abort came, and an abort of another run does not stop it', async () => {
    const { executor: e, started, releasePlan } = executor()
    const starting = e.start(ref, { finished: () => {}, failed: () => {} }, { signal: new AbortController().signal })
    e.abort({ ...ref, epoch: 2 }, 'lost_lease')
    releasePlan()
    await starting
    expect(started).toEqual([ref])
  })
})
