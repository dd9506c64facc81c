import type { JobsBackend, StepLogsBackend } from '../../backend.ts'
import { NotFoundError } from '../../../errors.ts'
import { FeatureUnavailableError } from '../../errors.ts'
import type { HandlerMap } from '../handler.ts'

/** `/v1/jobs`: answered 503 until the daemon passes a JobsBackend. */
export function jobHandlers (jobs: JobsBackend | undefined, stepLogs: StepLogsBackend | undefined): Pick<HandlerMap, 'submitJob' | 'listJobs' | 'getJob' | 'cancelJob' | 'plan' | 'stepLog'> {
  const backend = (): JobsBackend => {
    if (jobs === undefined) throw new FeatureUnavailableError('this daemon does not run jobs yet')
    return jobs
  }
  return {
    async submitJob ({ body }, { signal }) {
      return await backend().submit(body, { signal })
    },
    async listJobs ({ query }, { signal }) {
      return { jobs: await backend().list(query.state !== undefined ? { state: query.state } : {}, { signal }) }
    },
    async getJob ({ params }, { signal }) {
      return await backend().get(params.id, { signal })
    },
    async cancelJob ({ params }, { signal }) {
      return await backend().cancel(params.id, { signal })
    },
    async plan ({ body }, { signal }) {
      return await backend().plan(body, { signal })
    },
    async stepLog ({ params }, { signal }) {
      const entry = await stepLogs?.get(params.cacheId, { signal })
      if (entry === undefined) throw new NotFoundError(`no run of step ${params.cacheId.slice(0, 16)} left a log on this node (it ran elsewhere, was cached, or its log was collected)`, { cacheId: params.cacheId })
      return entry
    }
  }
}
