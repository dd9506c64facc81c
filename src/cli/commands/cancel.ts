import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { value } from '../output.ts'

export default defineCommand({
  name: 'cancel',
  summary: 'cancel a job everywhere: its running steps are stopped on every node',
  group: 'Jobs',
  order: 6,
  args: [{ name: 'id', description: 'the job id' }],
  input: z.object({ id: z.string().min(1) }),
  async run ({ id }, ctx) {
    const job = await (await ctx.client()).cancelJob(id, { signal: ctx.signal })
    return value(job, `${job.id} ${job.state}`)
  }
})
