import { describe, expect, it } from 'vitest'
import { EVENTS_LAGGED } from '../../../src/api/schemas.ts'
import type { ApiEvent } from '../../../src/api/schemas.ts'
import { AbortedError } from '../../../src/errors.ts'
import { harnessPerTest } from './fixtures.ts'

const start = harnessPerTest()

async function take (stream: AsyncIterable<ApiEvent>, count: number): Promise<ApiEvent[]> {
  const out: ApiEvent[] = []
  if (count === 0) return out
  for await (const event of stream) {
    out.push(event)
    if (out.length === count) break
  }
  return out
}

describe('GET /v1/events', () => {
  it('streams events as NDJSON, filtered by type (or type prefix) and job', async () => {
    const { client, events } = await start()
    const all = await client.events()
    const steps = await client.events({ types: ['step', 'member.dead'] })
    const ofJob = await client.events({ job: 'job-1' })
    await events.waitForSubscribers(3)

    const sent: ApiEvent[] = [
      { type: 'heartbeat', time: 1, peer: 'p1', slots: 4, running: 0, leases: 0, jobs: 0 },
      { type: 'step.running', time: 2, job: 'job-1', jobs: ['job-1'], cacheId: 'c1', peer: 'p1', epoch: 1, attempt: 0, waitedMs: 12 },
      { type: 'member.suspect', time: 3, peer: 'p2', at: 3, previous: 'alive' },
      { type: 'member.dead', time: 4, peer: 'p2', at: 4, previous: 'suspect' },
      { type: 'job.completed', time: 5, job: 'job-3', output: 'bafy' }, // neither a step event nor of job-1
      { type: 'step.completed', time: 6, job: 'job-2', jobs: ['job-2'], cacheId: 'c2', peer: 'p1', epoch: 1, attempt: 0, durationMs: 840 }
    ]
    for (const event of sent) events.emit(event)

    expect(await take(all, 6)).toEqual(sent)
    expect(await take(steps, 3)).toEqual([sent[1], sent[3], sent[5]])
    expect(await take(ofJob, 1)).toEqual([sent[1]])
    // Breaking out of the loops closed the connections: the server unsubscribed them.
    await events.waitForSubscribers(0)
  })

  it('stops when the client aborts: the iteration throws AbortedError and the server unsubscribes', async () => {
    const { client, events } = await start()
    const controller = new AbortController()
    const stream = await client.events({ signal: controller.signal })
    await events.waitForSubscribers(1)
    const seen: ApiEvent[] = []
    const reading = (async () => {
      for await (const event of stream) {
        seen.push(event)
        controller.abort()
      }
    })()
    events.emit({ type: 'heartbeat', time: 1, peer: 'p1', slots: 2, running: 0, leases: 0, jobs: 0 })
    await expect(reading).rejects.toBeInstanceOf(AbortedError)
    expect(seen).toEqual([{ type: 'heartbeat', time: 1, peer: 'p1', slots: 2, running: 0, leases: 0, jobs: 0 }])
    await events.waitForSubscribers(0)
  })

  it('an already aborted signal never subscribes', async () => {
    const { client, events } = await start()
    await expect(client.events({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError)
    expect(events.subscribers).toBe(0)
  })

  it('drops events for a reader that falls behind, and says how many', async () => {
    const { client, events } = await start({ init: { eventBufferBytes: 1 } })
    const stream = await client.events()
    await events.waitForSubscribers(1)
    // A burst far larger than the socket's buffers, sent before the client reads anything.
    const padding = 'x'.repeat(4096)
    for (let i = 0; i < 2000; i++) events.emit({ type: 'job.failed', time: i, job: `burst-${i}`, error: padding })

    let lagged: Extract<ApiEvent, { type: typeof EVENTS_LAGGED }> | undefined
    let bursts = 0
    for await (const event of stream) {
      if (event.type === EVENTS_LAGGED) {
        lagged = event
        break
      }
      if (event.type === 'job.failed') bursts++
      // Keep events coming: the first one after the buffer drains carries the drop count.
      events.emit({ type: 'node.paused', time: 0, gapMs: 0 })
    }
    expect(lagged).toMatchObject({ type: EVENTS_LAGGED })
    expect(lagged?.dropped).toBeGreaterThan(0)
    expect(bursts).toBeLessThan(2000)
  })
})
