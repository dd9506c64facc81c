import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { value } from '../output.ts'

export default defineCommand({
  name: 'job',
  summary: "show one job: each step's state, node, attempts, duration, cached or not, CID",
  group: 'Jobs',
  order: 4,
  args: [{ name: 'id', description: 'the job id (from artdag submit or artdag jobs)' }],
  input: z.object({ id: z.string().min(1) }),
  async run ({ id }, ctx) {
    const { jobText } = await import('../job-format.ts')
    const job = await (await ctx.client()).job(id, { signal: ctx.signal })
    return value(job, jobText(job))
  }
})
