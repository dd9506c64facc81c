import { z } from 'zod'
import { defineCommand } from '../command.ts'

/** The fields of a job, step or result event that a watch line shows. */
interface WatchedEvent {
  time: number
  type: string
  job?: string
  step?: string
  peer?: string
  output?: string
  error?: string
}

export default defineCommand({
  name: 'watch',
  summary: 'follow a job live until it ends (Ctrl-C stops following), or every job and step event',
  group: 'Jobs',
  order: 5,
  args: [{ name: 'id', description: 'the job id, or a unique start of it (all jobs when absent)', optional: true }],
  options: {
    cancelOnInterrupt: { flags: '--cancel-on-interrupt', description: 'Ctrl-C cancels the job (by default it only stops following it)' }
  },
  input: z.object({ id: z.string().min(1).optional(), cancelOnInterrupt: z.boolean().optional() }),
  async run ({ id, cancelOnInterrupt }, ctx) {
    const client = await ctx.client()
    if (id != null) {
      const [{ runJob }, { resolveJobId }, { renderResultOutput }] = await Promise.all([import('../submit-job.ts'), import('../ids.ts'), import('../render-result.ts')])
      const result = await runJob(client, await resolveJobId(client, id, ctx.signal), ctx, { cancelOnInterrupt })
      return renderResultOutput(result, ctx)
    }
    const [{ shortPeer }, { shortId }] = await Promise.all([import('../job-format.ts'), import('../ids.ts')])
    const events = await client.events({ types: ['job', 'step', 'result'], signal: ctx.signal })
    const source = (async function* () {
      try {
        yield* events
      } catch (err: unknown) {
        // Ctrl-C ends the watch: that is its normal end, not an error.
        if (!ctx.signal.aborted) throw err
      }
    })()
    return {
      kind: 'stream',
      source,
      line: (e: WatchedEvent) => [new Date(e.time).toISOString().slice(11, 23), e.type.padEnd(15), e.job != null ? shortId(e.job) : '', e.step ?? '', e.peer != null ? shortPeer(e.peer) : '', e.output ?? e.error ?? ''].join('  ').trimEnd()
    }
  }
})
