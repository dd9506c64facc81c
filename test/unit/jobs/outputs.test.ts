import * as dagJson from '@ipld/dag-json'
import { MemoryDatastore } from 'datastore-core'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { stepCatalog } from '../../../src/exec/index.ts'
import { planJob } from '../../../src/jobs/service/planning.ts'
import { JobOutputs } from '../../../src/jobs/service/outputs.ts'
import { systemClock, systemScheduler } from '../../../src/lifecycle/index.ts'
import { silentLogger } from '../../../src/log.ts'
import { A, B } from './fixtures.ts'
import type { ApiEventInput } from '../../../src/api/index.ts'
import type { JobStatus } from '../../../src/jobs/core/status.ts'
import type { JobDocument } from '../../../src/jobs/service/job-document.ts'
import type { Membership } from '../../../src/membership/index.ts'
import type { ResultReadyMessage } from '../../../src/protocol/index.ts'
import type { ContentStore, PinInfo } from '../../../src/store/index.ts'

const JOB = await cidOf('job')
const OUTPUT = await cidOf('output')
const PROVENANCE_CID = await cidOf('provenance written here')
const PROVENANCE_OF_B = await cidOf('provenance written by B')
const DOC: JobDocument = { v: 1, kind: 'artdag/job', recipe: { version: 1, name: 'gen', nodes: { g: { type: 'generate', config: { duration: 1 } } }, output: 'g' }, inputs: {}, submitter: B, submittedAt: 1, nonce: 'n' }

async function cidOf (text: string): Promise<string> {
  return CID.createV1(dagJson.code, await sha256.digest(new TextEncoder().encode(text))).toString()
}

interface Deferred {
  promise: Promise<void>
  resolve: () => void
  reject: (err: Error) => void
}

/** A node's JobOutputs with a store whose pin of the output ends when the test says. */
function setup (opts: { forgetAfterPin?: boolean } = {}) {
  const outputPin: Deferred = Promise.withResolvers<void>()
  const calls: string[] = []
  const pins: PinInfo[] = []
  const published: ResultReadyMessage[] = []
  const events: ApiEventInput[] = []
  let forgotten = false
  const status = (): JobStatus => ({ jobId: JOB, steps: [{ stepId: 'g', cacheId: 'c', type: 'generate', state: 'COMPLETED', attempts: 1, cid: OUTPUT, node: B }] }) as unknown as JobStatus
  const store = {
    pin: async (info: PinInfo) => {
      pins.push(info)
      if (info.cid.toString() !== OUTPUT) return
      calls.push('pin output: started')
      await outputPin.promise
      calls.push('pin output: done')
      if (opts.forgetAfterPin === true) forgotten = true
    },
    putJson: async (_value: unknown, options?: { pin?: Omit<PinInfo, 'cid'> }) => {
      calls.push(`provenance written (pinned: ${String(options?.pin?.kind)})`)
      return CID.parse(PROVENANCE_CID)
    }
  } as unknown as ContentStore
  const outputs = new JobOutputs({
    self: A,
    store,
    datastore: new MemoryDatastore(),
    membership: { get: () => undefined } as unknown as Membership,
    publish: async msg => {
      calls.push('result_ready published')
      published.push(msg)
    },
    plan: async jobId => planJob(jobId, DOC, stepCatalog),
    status: () => forgotten ? undefined : status(),
    background: async work => await work(),
    events: {
      emit: event => {
        events.push(event)
      }
    },
    ffmpegVersion: '7.1',
    version: '0.0.0',
    logger: silentLogger(),
    clock: systemClock,
    scheduler: systemScheduler
  })
  const completed = (pinners: string[]): Promise<void> => outputs.completed({ jobId: JOB, state: 'completed', outputCid: OUTPUT, pinners, pinOnSelf: true })
  return { outputs, outputPin, calls, pins, published, events, completed }
}

/** Lets every pending callback run (the fakes resolve at once). */
async function settle (): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve))
}

describe('JobOutputs: a job output pinned and its provenance record', () => {
  it('the first pinner pins the output, then writes the provenance record, then announces both', async () => {
    const t = setup()
    const done = t.completed([A, B])
    await settle()
    expect(t.calls).toEqual(['pin output: started'])
    expect(t.outputs.resultOf(JOB)).toEqual({ output: OUTPUT, provenance: null, pinnedBy: [] })
    t.outputPin.resolve()
    await done
    expect(t.calls).toEqual(['pin output: started', 'pin output: done', 'provenance written (pinned: final)', 'result_ready published'])
    expect(t.published).toMatchObject([{ type: 'result_ready', jobId: JOB, output: OUTPUT, provenance: PROVENANCE_CID, pinnedBy: A }])
    expect(t.outputs.resultOf(JOB)).toEqual({ output: OUTPUT, provenance: PROVENANCE_CID, pinnedBy: [A] })
    expect(t.events).toMatchObject([{ type: 'result.ready', job: JOB, provenance: PROVENANCE_CID, peer: A }])
  })

  it('another pinner writes none: it pins the record the first one announced while it fetched the output', async () => {
    const t = setup()
    const done = t.completed([B, A])
    await settle()
    await t.outputs.onResultReady({ v: 1, type: 'result_ready', jobId: JOB, output: OUTPUT, provenance: PROVENANCE_OF_B, pinnedBy: B, sentAt: 1 })
    // The job's detail names the record at once; this node is not among those that pinned the output yet.
    expect(t.outputs.resultOf(JOB)).toEqual({ output: OUTPUT, provenance: PROVENANCE_OF_B, pinnedBy: [B] })
    expect(t.published).toEqual([])
    t.outputPin.resolve()
    await done
    expect(t.calls).toEqual(['pin output: started', 'pin output: done', 'result_ready published'])
    expect(t.pins.map(p => p.cid.toString())).toEqual([OUTPUT, PROVENANCE_OF_B])
    expect(t.published).toMatchObject([{ provenance: PROVENANCE_OF_B, pinnedBy: A }])
    expect(t.outputs.resultOf(JOB)).toEqual({ output: OUTPUT, provenance: PROVENANCE_OF_B, pinnedBy: [B, A] })
  })

  it('an output that cannot be pinned is not announced, and no provenance record is written', async () => {
    const t = setup()
    const done = t.completed([A, B])
    await settle()
    t.outputPin.reject(new Error('no provider for the output'))
    await done
    expect(t.calls).toEqual(['pin output: started'])
    expect(t.published).toEqual([])
    expect(t.events).toEqual([])
    expect(t.outputs.resultOf(JOB)).toEqual({ output: OUTPUT, provenance: null, pinnedBy: [] })
  })

  it('a job forgotten while its output was fetched: the output stays pinned, no record names the job', async () => {
    const t = setup({ forgetAfterPin: true })
    const done = t.completed([A, B])
    await settle()
    t.outputPin.resolve()
    await done
    expect(t.calls).toEqual(['pin output: started', 'pin output: done'])
    expect(t.published).toEqual([])
    expect(t.pins.map(p => p.cid.toString())).toEqual([OUTPUT])
    expect(t.outputs.resultOf(JOB)?.provenance).toBeNull()
  })
})
