import { describe, expect, it } from 'vitest'
import { MessageInvalidError } from '../../../src/protocol/errors.ts'
import { JOBS_TOPIC, jobCancelledCodec, jobsCodec, jobSubmittedCodec, MAX_ERROR_TAIL_CHARS, MAX_LOST_INPUTS, stepCompletedCodec, stepFailedCodec, stepFailedSchema } from '../../../src/protocol/messages/jobs.ts'
import type { JobCancelledMessage, JobsMessage, JobSubmittedMessage, StepCompletedMessage, StepFailedMessage } from '../../../src/protocol/messages/jobs.ts'
import type { LeaseClaimMessage, LeaseMessage, LeaseReleaseMessage, LeaseRenewMessage, LeaseStateMessage } from '../../../src/protocol/messages/lease.ts'
import { LEASE_TOPIC, leaseClaimCodec, leaseCodec, leaseReleaseCodec, leaseRenewCodec } from '../../../src/protocol/messages/lease.ts'
import { A, B, cacheId, jobId } from './fixtures.ts'

const claim: LeaseClaimMessage = { v: 1, type: 'lease_claim', cacheId: cacheId(1), epoch: 1, holder: A, jobId: jobId(1), stepId: 'overlay-1', sentAt: 123 }
const completed: StepCompletedMessage = {
  v: 1,
  type: 'step_completed',
  jobId: jobId(1),
  stepId: 'out',
  cacheId: cacheId(2),
  cid: 'bafkreiexample',
  epoch: 2,
  holder: A,
  sender: B,
  attestations: [{ peer: A, epoch: 2 }],
  cached: false,
  durationMs: 812.5,
  sentAt: 5
}

describe('wire messages', () => {
  it('round-trips every message through its codec and its topic codec', () => {
    const renew: LeaseRenewMessage = { v: 1, type: 'lease_renew', holder: A, leases: [{ cacheId: cacheId(1), epoch: 1 }], sentAt: 1 }
    const release: LeaseReleaseMessage = { v: 1, type: 'lease_release', cacheId: cacheId(1), epoch: 1, holder: A, reason: 'restarted', sentAt: 1 }
    const state: LeaseStateMessage = { v: 1, type: 'lease_state', cacheId: cacheId(1), epoch: 3, holder: B, released: false, sender: A, sentAt: 1 }
    const lease: LeaseMessage[] = [claim, renew, release, state]
    for (const m of lease) expect(leaseCodec.decode(leaseCodec.encode(m))).toEqual(m)
    expect(leaseClaimCodec.decode(leaseClaimCodec.encode(claim))).toEqual(claim)
    expect(leaseRenewCodec.decode(leaseRenewCodec.encode(renew))).toEqual(renew)
    expect(leaseReleaseCodec.decode(leaseReleaseCodec.encode(release))).toEqual(release)

    const submitted: JobSubmittedMessage = { v: 1, type: 'job_submitted', jobId: jobId(1), recipe: { nodes: [{ id: 'a', type: 'source' }] }, inputs: { clip: 'bafkreiinput' }, submitter: A, submittedAt: 1, nonce: 'n1' }
    const failed: StepFailedMessage = {
      v: 1,
      type: 'step_failed',
      jobId: jobId(1),
      stepId: 's',
      cacheId: cacheId(3),
      epoch: 2,
      holder: A,
      sender: A,
      attempt: 2,
      failures: [{ holder: B, epoch: 1 }, { holder: A, epoch: 2 }],
      errorTail: 'Conversion failed!',
      sentAt: 1
    }
    const cancelled: JobCancelledMessage = { v: 1, type: 'job_cancelled', jobId: jobId(1), by: B, reason: 'user request', sentAt: 1 }
    const jobs: JobsMessage[] = [submitted, completed, failed, cancelled]
    for (const m of jobs) expect(jobsCodec.decode(jobsCodec.encode(m))).toEqual(m)
    expect(jobSubmittedCodec.decode(jobSubmittedCodec.encode(submitted))).toEqual(submitted)
    expect(stepCompletedCodec.decode(stepCompletedCodec.encode(completed))).toEqual(completed)
    expect(stepFailedCodec.decode(stepFailedCodec.encode(failed))).toEqual(failed)
    expect(jobCancelledCodec.decode(jobCancelledCodec.encode(cancelled))).toEqual(cancelled)
    expect([LEASE_TOPIC, JOBS_TOPIC]).toEqual(['artdag/v1/leases', 'artdag/v1/jobs'])
  })

  it('carries the inputs a run could not fetch in a step_failed that nodes without the field read as an ordinary failure', () => {
    // The largest report a node sends: its own failure, signed, the longest error tail, every lost input it may name.
    const report: StepFailedMessage = {
      v: 1,
      type: 'step_failed',
      jobId: jobId(1),
      stepId: 'x'.repeat(128),
      cacheId: cacheId(3),
      epoch: Number.MAX_SAFE_INTEGER,
      holder: A,
      sender: B,
      attempt: 32,
      failures: [{ holder: A, epoch: Number.MAX_SAFE_INTEGER, sig: `${'s'.repeat(86)}==` }],
      errorTail: 'e'.repeat(MAX_ERROR_TAIL_CHARS),
      lost: Array.from({ length: MAX_LOST_INPUTS }, (_, i) => ({ cacheId: cacheId(100 + i), cid: `bafybei${'q'.repeat(52)}` })),
      sentAt: Number.MAX_SAFE_INTEGER
    }
    expect(stepFailedCodec.decode(stepFailedCodec.encode(report))).toEqual(report)
    const { lost: _lost, ...ordinary } = report
    expect(stepFailedSchema.omit({ lost: true }).parse(JSON.parse(new TextDecoder().decode(stepFailedCodec.encode(report))))).toEqual(ordinary)
    expect(() => stepFailedCodec.encode({ ...report, lost: [...report.lost!, { cacheId: cacheId(1), cid: 'bafkreiexample' }] })).toThrow(/lost/)
    expect(() => stepFailedCodec.encode({ ...report, lost: [] })).toThrow(/lost/)
  })

  it('names the field that is wrong', () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ ...claim, cacheId: 'nope', epoch: 0 }))
    expect(() => leaseCodec.decode(bytes)).toThrow(MessageInvalidError)
    expect(() => leaseCodec.decode(bytes)).toThrow(/cacheId: not a cache id.*epoch/)
    expect(() => leaseClaimCodec.encode({ ...claim, holder: 'someone' })).toThrow(/refusing to send an invalid lease_claim message: holder: not a peer id/)
  })

  it('refuses another protocol version', () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ ...claim, v: 2 }))
    expect(() => leaseCodec.decode(bytes)).toThrow('lease message has version 2; this node speaks version 1')
  })

  it('holds each message type to its own size limit on a shared topic', () => {
    const padded = new TextEncoder().encode(JSON.stringify({ ...completed, stepId: 'x'.repeat(128), padding: 'y'.repeat(5000) }))
    expect(() => jobsCodec.decode(padded)).toThrow(/step_completed message on artdag\/v1\/jobs is \d+ bytes, over the 4096 byte limit/)
    expect(() =>
      stepFailedCodec.encode({
        v: 1,
        type: 'step_failed',
        jobId: jobId(1),
        stepId: 's',
        cacheId: cacheId(3),
        epoch: 1,
        holder: A,
        sender: A,
        attempt: 1,
        failures: [{ holder: A, epoch: 1 }],
        errorTail: 'e'.repeat(MAX_ERROR_TAIL_CHARS + 1),
        sentAt: 1
      })
    ).toThrow(/errorTail/)
  })
})
