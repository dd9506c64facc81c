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
    const { resolveJobId } = await import('../ids.ts')
    const client = await ctx.client()
    const job = await client.cancelJob(await resolveJobId(client, id, ctx.signal), { signal: ctx.signal })
    return value(job, `${job.id} ${job.state}`)
  }
})
