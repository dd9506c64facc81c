import { describe, expect, it } from 'vitest'
import { RECEIVED_DOCUMENT_DELAY_MS, ReceivedDocuments } from '../../../src/jobs/service/received-documents.ts'
import type { JobDocument } from '../../../src/jobs/service/job-document.ts'

const DOC = { v: 1, kind: 'artdag/job', recipe: {}, inputs: {}, submitter: 'a', submittedAt: 1, nonce: 'n' } satisfies JobDocument

/** ReceivedDocuments with a hand-driven timer list and the jobs that still run. */
function setup () {
  const timers: Array<{ ms: number, fn: () => void }> = []
  const stored: string[] = []
  const running = new Set<string>()
  const tasks: Array<Promise<unknown>> = []
  const documents = new ReceivedDocuments({
    store: async jobId => {
      stored.push(jobId)
    },
    running: jobId => running.has(jobId),
    after: (ms, fn) => {
      timers.push({ ms, fn })
    },
    track: (_task, promise) => {
      tasks.push(promise)
    }
  })
  const fire = async (): Promise<void> => {
    for (const timer of timers.splice(0)) timer.fn()
    await Promise.all(tasks)
  }
  return { documents, timers, stored, running, fire }
}

describe('the documents of received jobs', () => {
  it('are stored only for jobs still running after the delay', async () => {
    const { documents, timers, stored, running, fire } = setup()
    running.add('long').add('short')
    documents.received('long', DOC)
    documents.received('short', DOC)
    expect(timers.map(t => t.ms)).toEqual([RECEIVED_DOCUMENT_DELAY_MS, RECEIVED_DOCUMENT_DELAY_MS])
    expect(stored).toEqual([])
    running.delete('short')
    await fire()
    expect(stored).toEqual(['long'])
  })

  it('are stored for the jobs still running when the node stops, once', async () => {
    const { documents, stored, running, fire } = setup()
    running.add('long')
    documents.received('long', DOC)
    documents.received('ended', DOC)
    const atStop: string[] = []
    await documents.keepRunning(async jobId => {
      atStop.push(jobId)
    })
    expect(atStop).toEqual(['long'])
    await fire()
    expect(stored).toEqual([])
  })

  it('leave a document whose timer fires while the node stops to keepRunning, which stores it', async () => {
    const { documents, stored, running, fire } = setup()
    running.add('long')
    documents.received('long', DOC)
    documents.stopping()
    // The timer fires during stop(), after the background line began to close: nothing stored from it.
    await fire()
    expect(stored).toEqual([])
    const atStop: string[] = []
    await documents.keepRunning(async jobId => {
      atStop.push(jobId)
    })
    expect(atStop).toEqual(['long'])
  })
})
