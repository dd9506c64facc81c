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
  summary: 'watch a job live until it ends, or every job and step event until Ctrl-C',
  group: 'Jobs',
  order: 5,
  args: [{ name: 'id', description: 'the job id (all jobs when absent)', optional: true }],
  input: z.object({ id: z.string().min(1).optional() }),
  graceful: true,
  async run ({ id }, ctx) {
    const client = await ctx.client()
    if (id != null) {
      const { followJob, finishedOutput } = await import('../submit-job.ts')
      const { job } = await followJob(client, id, ctx)
      return finishedOutput(job, undefined)
    }
    const { shortPeer } = await import('../job-format.ts')
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
      line: (e: WatchedEvent) =>
        [new Date(e.time).toISOString().slice(11, 23), e.type.padEnd(15), e.job != null ? String(e.job).slice(-10) : '', e.step ?? '', e.peer != null ? shortPeer(e.peer) : '', e.output ?? e.error ?? ''].join('  ').trimEnd()
    }
  }
})
