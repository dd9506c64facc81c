import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { followJob } from '../../../src/cli/follow-job.ts'
import { createLiveView } from '../../../src/cli/live-view.ts'
import type { ApiClient, ApiEvent, JobDetail } from '../../../src/api/index.ts'

const JOB = 'bagaaierajob'

function jobDetail (provenance: string | null): JobDetail {
  return {
    id: JOB,
    state: 'completed',
    recipe: 'teaser',
    label: null,
    submittedBy: 'peer-a',
    submittedAt: 1,
    updatedAt: 2,
    progress: { total: 1, done: 1, cached: 1, running: 0, failed: 0 },
    output: 'bafkout',
    provenance,
    pinnedBy: provenance != null ? ['peer-b'] : [],
    error: null,
    steps: [{ step: 'out', type: 'encode', cacheId: 'c1', state: 'cached', peer: null, attempts: 0, durationMs: null, cached: true, cid: 'bafkout', error: null }],
    mismatches: []
  }
}

/**
 * A daemon that answers `job` from `answers` in turn (each read waits until the test releases it)
 * and streams the events the test pushes.
 */
function fakeDaemon () {
  const pushed: ApiEvent[] = []
  let deliver: (() => void) | undefined
  // How many events the follower has handled: for-await asks for the next one only once its body is done.
  let handled = 0
  const reads: Array<{ release: (job: JobDetail) => void }> = []
  let readArrived: (() => void) | undefined
  const subscribed: string[][] = []
  const client = {
    events: async (options: { types?: string[], signal?: AbortSignal }) => ({
      async *[Symbol.asyncIterator] () {
        subscribed.push(options.types ?? [])
        while (options.signal?.aborted !== true) {
          const next = pushed.shift()
          if (next !== undefined) {
            yield next
            handled++
            continue
          }
          await new Promise<void>(resolve => {
            deliver = resolve
            options.signal?.addEventListener('abort', () => resolve(), { once: true })
          })
        }
      }
    }),
    job: async () =>
      await new Promise<JobDetail>(resolve => {
        reads.push({ release: resolve })
        readArrived?.()
      })
  }
  return {
    client: client as unknown as ApiClient,
    reads,
    subscribed,
    /** Sends an event and resolves once the follower has handled it. */
    async push (event: ApiEvent): Promise<void> {
      const target = handled + 1
      pushed.push(event)
      deliver?.()
      await vi.waitFor(() => {
        expect(handled).toBe(target)
      })
    },
    /** Resolves once the follower has asked for the job `count` times. */
    async readsReach (count: number): Promise<void> {
      while (reads.length < count) await new Promise<void>(resolve => (readArrived = resolve))
    }
  }
}

const resultReady = { type: 'result.ready', time: 3, job: JOB, output: 'bafkout', provenance: 'bagaaieraprov', peer: 'peer-b' } as unknown as ApiEvent

describe('following a job', () => {
  beforeEach(() => {
    // The poll timer never fires in these tests: only events can wake the follower.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const follow = (client: ApiClient): Promise<JobDetail> => followJob(client, JOB, { signal: new AbortController().signal, view: createLiveView(process.stderr, { mode: 'off' }) })

  it('a completed job waiting for its provenance is read again when result.ready comes, not at the next poll', async () => {
    const daemon = fakeDaemon()
    const followed = follow(daemon.client)
    await daemon.readsReach(1)
    daemon.reads[0]!.release(jobDetail(null))
    // Completed without its provenance record: the follower waits (its poll timer set); a pinner announces it.
    await vi.waitFor(() => {
      expect(vi.getTimerCount()).toBe(1)
    })
    await daemon.push(resultReady)
    await daemon.readsReach(2)
    daemon.reads[1]!.release(jobDetail('bagaaieraprov'))
    expect((await followed).provenance).toBe('bagaaieraprov')
    // The daemon sends only the event types asked for: result events are among them.
    expect(daemon.subscribed[0]).toContain('result')
  })

  it('an event that comes while the job is being read is not lost', async () => {
    const daemon = fakeDaemon()
    const followed = follow(daemon.client)
    await daemon.readsReach(1)
    // result.ready arrives before the first answer does: that answer is already stale.
    await daemon.push(resultReady)
    daemon.reads[0]!.release(jobDetail(null))
    await daemon.readsReach(2)
    daemon.reads[1]!.release(jobDetail('bagaaieraprov'))
    expect((await followed).provenance).toBe('bagaaieraprov')
  })
})
