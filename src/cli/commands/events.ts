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
    job: { flags: '--job <id>', description: 'only events of this job (an id, or a unique start of it)' },
    all: { flags: '-a, --all', description: 'heartbeats, step and job progress too (left out unless asked for: they come every second)' }
  },
  input: z.object({ type: z.array(z.string().min(1)).optional(), job: z.string().min(1).optional(), all: z.boolean().optional() }),
  examples: ['artdag events --type member --type step', 'artdag events --json --job baguqeera... | jq .type', 'artdag events --all'],
  async run ({ type, job, all }, ctx) {
    if (type !== undefined) {
      const [{ checkEventTypes }, { API_EVENT_TYPES }] = await Promise.all([import('../event-types.ts'), import('../../api/index.ts')])
      checkEventTypes(type, API_EVENT_TYPES)
    }
    const client = await ctx.client()
    const { resolveJobId } = await import('../ids.ts')
    const jobId = job !== undefined ? await resolveJobId(client, job, ctx.signal) : undefined
    const events = await client.events({ types: type, job: jobId, signal: ctx.signal })
    // What comes every second drowns the rest: shown when asked for (--all, or by --type).
    const quiet = all !== true && type === undefined
    const shown = (async function* () {
      for await (const event of untilAborted(events, ctx.signal)) {
        if (quiet && (event.type === 'heartbeat' || event.type === 'step.progress' || event.type === 'job.progress')) continue
        yield event
      }
    })()
    return { kind: 'stream', source: shown, line: eventLine }
  }
})
