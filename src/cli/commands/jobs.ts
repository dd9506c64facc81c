import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { table } from '../output.ts'

export default defineCommand({
  name: 'jobs',
  summary: 'list the jobs this node knows, newest first',
  group: 'Jobs',
  order: 3,
  options: {
    state: { flags: '--state <state>', description: 'only jobs in this state', choices: ['running', 'completed', 'failed', 'cancelled'] }
  },
  input: z.object({ state: z.enum(['running', 'completed', 'failed', 'cancelled']).optional() }),
  async run ({ state }, ctx) {
    const [{ formatAgo }, { progressLine }, { shortId }] = await Promise.all([import('../format.ts'), import('../job-format.ts'), import('../ids.ts')])
    const { jobs } = await (await ctx.client()).jobs(state != null ? { state } : {}, { signal: ctx.signal })
    const now = Date.now()
    const rows = jobs.map(job => [shortId(job.id), job.state, job.recipe + (job.label != null ? ` (${job.label})` : ''), progressLine(job), formatAgo(job.submittedAt, now), job.output != null ? shortId(job.output) : '-'])
    return table({ jobs }, ['JOB', 'STATE', 'RECIPE', 'PROGRESS', 'SUBMITTED', 'OUTPUT'], rows, 'no jobs')
  }
})
