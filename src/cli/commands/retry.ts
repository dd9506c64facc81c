import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { value } from '../output.ts'
import { defined } from '../../defined.ts'

/** The parts of a job document (GET /v1/documents/:id) that a new submission repeats. */
const jobDocument = z.object({
  kind: z.literal('artdag/job'),
  recipe: z.record(z.string(), z.unknown()),
  inputs: z.record(z.string(), z.string()),
  label: z.string().optional()
})

export default defineCommand({
  name: 'retry',
  summary: 'submit a job again: the same recipe and inputs, as a new job (its done steps come from the cache)',
  group: 'Jobs',
  order: 7,
  args: [{ name: 'id', description: 'the job id, or a unique start of it' }],
  input: z.object({ id: z.string().min(1) }),
  examples: ['artdag retry baguqeerajqp && artdag watch $(artdag jobs --json | jq -r .jobs[0].id)'],
  async run ({ id }, ctx) {
    const [{ resolveJobId, shortId }, { InvalidArgumentError }] = await Promise.all([import('../ids.ts'), import('../../errors.ts')])
    const client = await ctx.client()
    const jobId = await resolveJobId(client, id, ctx.signal)
    const { document } = await client.document(jobId, { signal: ctx.signal })
    const parsed = jobDocument.safeParse(document)
    if (!parsed.success) throw new InvalidArgumentError(`${shortId(jobId)} is not a job document`, { job: jobId })
    const { recipe, inputs, label } = parsed.data
    const job = await client.submitJob({ recipe, inputs, ...defined({ label }) }, { signal: ctx.signal })
    if (!ctx.json) ctx.io.stderr.write(`job ${shortId(job.id)} submitted again from ${shortId(jobId)} (artdag watch ${shortId(job.id)} follows it)\n`)
    return value(job, job.id)
  }
})
