import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { value } from '../output.ts'

export default defineCommand({
  name: 'cancel',
  summary: 'cancel a job everywhere: its running steps are stopped on every node',
  group: 'Jobs',
  order: 6,
  args: [{ name: 'id', description: 'the job id, or a unique start of it' }],
  input: z.object({ id: z.string().min(1) }),
  async run ({ id }, ctx) {
    const { resolveJobId, shortId } = await import('../ids.ts')
    const client = await ctx.client()
    const job = await client.cancelJob(await resolveJobId(client, id, ctx.signal), { signal: ctx.signal })
    // A job that had already ended stays as it ended: say so, and what there is to do instead.
    const instead = job.state === 'completed' ? `artdag get ${shortId(job.id)} saves its output` : job.state === 'failed' ? `artdag job ${shortId(job.id)} says why` : undefined
    return value(job, instead === undefined ? `${job.id} ${job.state}` : `${job.id} had already ${job.state}: nothing to cancel (${instead})`)
  }
})
