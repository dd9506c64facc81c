import { z } from 'zod'
import type { ApiEvent } from '../../api/index.ts'
import { defineCommand } from '../command.ts'
import { formatTime } from '../format.ts'

/** Ends quietly when `signal` aborts (Ctrl-C is how one stops following). */
async function* untilAborted<T> (source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  try {
    yield* source
  } catch (err: unknown) {
    if (signal.aborted) return
    throw err
  }
}

function eventLine (event: ApiEvent): string {
  // Every event has a type and a time; most name a job or a peer; the rest depends on the type.
  const { type, time, job, peer, ...rest } = event as ApiEvent & { job?: string, peer?: string }
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : ''
  return `${formatTime(time)} ${type}${job !== undefined ? ` job=${job}` : ''}${peer !== undefined ? ` peer=${peer}` : ''}${extra}`
}

export default defineCommand({
  name: 'events',
  summary: 'follow what the node sees (heartbeats, membership, jobs, steps) until Ctrl-C',
  group: 'Node',
  order: 4,
  options: {
    type: { flags: '--type <type>', description: 'only this event type, or prefix (step matches step.*); repeatable', repeatable: true },
    job: { flags: '--job <id>', description: 'only events of this job' }
  },
  input: z.object({ type: z.array(z.string().min(1)).optional(), job: z.string().min(1).optional() }),
  examples: ['artdag events --type member --type step', 'artdag events --json --job bafy... | jq .type'],
  async run ({ type, job }, ctx) {
    const events = await (await ctx.client()).events({ types: type, job, signal: ctx.signal })
    return { kind: 'stream', source: untilAborted(events, ctx.signal), line: eventLine }
  }
})
