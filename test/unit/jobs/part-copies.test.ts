import { describe, expect, it } from 'vitest'
import { stepCatalog } from '../../../src/exec/index.ts'
import { PartCopies } from '../../../src/jobs/service/part-copies.ts'
import { silentLogger } from '../../../src/log.ts'
import type { PlannedJob } from '../../../src/jobs/service/planning.ts'
import type { JobStatus } from '../../../src/jobs/core/status.ts'
import type { PinInfo } from '../../../src/store/index.ts'

const SELF = 'self'
const CHUNK_CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const JOIN_CID = 'bafkreidvbhs33ighmljlvr7zbv2ywwzcmp5adtf4kqvlly67cy56bdtmve'

/** A job's plan as far as PartCopies reads it: who submitted it and each step's type. */
function planned (jobId: string, submitter: string): PlannedJob {
  return {
    jobId,
    doc: { submitter },
    plan: { steps: [{ id: 'film-chunk-000', type: 'transcode_chunk' }, { id: 'film', type: 'transcode_join' }] }
  } as unknown as PlannedJob
}

function status (jobId: string): JobStatus {
  return {
    jobId,
    steps: [
      { stepId: 'film-chunk-000', cacheId: 'c0', type: 'transcode_chunk', state: 'COMPLETED', attempts: 0, cid: CHUNK_CID, node: 'b' },
      { stepId: 'film', cacheId: 'j', type: 'transcode_join', state: 'COMPLETED', attempts: 0, cid: JOIN_CID, node: 'b' }
    ]
  } as unknown as JobStatus
}

function setup (submitter: string): { copies: PartCopies, pinned: Array<{ info: PinInfo, from: string[] | undefined }>, settled: () => Promise<void> } {
  const pinned: Array<{ info: PinInfo, from: string[] | undefined }> = []
  const tasks: Array<Promise<unknown>> = []
  const copies = new PartCopies({
    self: SELF,
    store: {
      pin: async (info, options) => {
        pinned.push({ info, from: options?.from })
      }
    },
    catalog: stepCatalog,
    plan: async jobId => planned(jobId, submitter),
    status,
    track: (_task, promise) => tasks.push(promise),
    signal: () => new AbortController().signal,
    wallNow: () => 1_000,
    logger: silentLogger()
  }, { intermediateTtlMs: 500 })
  return {
    copies,
    pinned,
    settled: async () => {
      await Promise.all(tasks)
    }
  }
}

describe('PartCopies', () => {
  it("copies a chunk another node made for a job submitted here, once, from its producer, until the intermediates' ttl", async () => {
    const { copies, pinned, settled } = setup(SELF)
    copies.completed({ cacheId: 'c0', refs: [{ jobId: 'job', stepId: 'film-chunk-000' }], node: 'b' })
    copies.completed({ cacheId: 'c0', refs: [{ jobId: 'job', stepId: 'film-chunk-000' }], node: 'b' })
    await settled()
    expect(pinned).toHaveLength(1)
    expect(pinned[0]?.info.cid.toString()).toBe(CHUNK_CID)
    expect(pinned[0]?.info.kind).toBe('intermediate')
    expect(pinned[0]?.info.expiresAt).toBe(1_500)
    expect(pinned[0]?.from).toEqual(['b'])
  })

  it('leaves alone what this node made, steps that are not parts, and jobs submitted elsewhere', async () => {
    const here = setup(SELF)
    here.copies.completed({ cacheId: 'c0', refs: [{ jobId: 'job', stepId: 'film-chunk-000' }], node: SELF })
    here.copies.completed({ cacheId: 'j', refs: [{ jobId: 'job', stepId: 'film' }], node: 'b' })
    await here.settled()
    expect(here.pinned).toEqual([])

    const elsewhere = setup('a')
    elsewhere.copies.completed({ cacheId: 'c0', refs: [{ jobId: 'job', stepId: 'film-chunk-000' }], node: 'b' })
    await elsewhere.settled()
    expect(elsewhere.pinned).toEqual([])
  })
})
