import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { value } from '../output.ts'

export default defineCommand({
  name: 'job',
  summary: "show one job: each step's state, node, attempts, duration, cached or not, CID",
  group: 'Jobs',
  order: 4,
  args: [{ name: 'id', description: 'the job id, or a unique start of it (as artdag jobs shows it)' }],
  input: z.object({ id: z.string().min(1) }),
  async run ({ id }, ctx) {
    const [{ jobText }, { resolveJobId }] = await Promise.all([import('../job-format.ts'), import('../ids.ts')])
    const client = await ctx.client()
    const job = await client.job(await resolveJobId(client, id, ctx.signal), { signal: ctx.signal })
    return value(job, jobText(job))
  }
})
