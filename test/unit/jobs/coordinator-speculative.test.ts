import { describe, expect, it } from 'vitest'
import type { CoordinatorOutput } from '../../../src/jobs/core/effects.ts'
import type { StepCoordinator } from '../../../src/jobs/core/coordinator.ts'
import { A, B, cacheId, cacheIdRankedFirst, chainJob, cidOf, claim, effects, jobId, merge, missAll, near, node, sent } from './fixtures.ts'

/**
 * A plain claim starts its execution at once; the settle window (10 ms here) delays only what the
 * others see of it: its result or failure is held until the window ends with the claim standing.
 */

const ref = (step: string, epoch = 1) => ({ jobId: jobId(1), stepId: 's0', cacheId: step, epoch })

/** `self` claims the single step of job 1 at t=1 and starts it at once; its window ends at 11. */
function claimed (step: string, peers: string[] = []): { c: StepCoordinator, out: CoordinatorOutput } {
  const c = node(A)
  if (peers.length > 0) near(c, peers)
  missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
  const out = c.tick(1)
  expect(sent(out, 'lease_claim')).toMatchObject([{ cacheId: step, epoch: 1, holder: A }])
  expect(effects(out, 'startExecution')).toEqual([{ type: 'startExecution', execution: ref(step) }])
  expect(c.job(jobId(1), 1)?.steps[0]?.state).toBe('CLAIMED')
  return { c, out }
}

/** What the others (and the user) could learn from these outputs: messages, job ends, cache records, step events. */
function visible (out: CoordinatorOutput): unknown[] {
  const steps = effects(out, 'event').map(e => e.event).filter(e => e.kind === 'step' && (e.state === 'COMPLETED' || e.state === 'FAILED'))
  return [...sent(out, 'step_completed'), ...sent(out, 'step_failed'), ...effects(out, 'jobFinished'), ...effects(out, 'putCacheRecord'), ...steps]
}

const stepStates = (out: CoordinatorOutput): string[] => effects(out, 'event').map(e => e.event).flatMap(e => (e.kind === 'step' ? [e.state] : []))

describe('StepCoordinator: a run started before its claim settled', () => {
  it('holds a result that comes before the window ends, and publishes it once the claim has settled', () => {
    const step = cacheId(1)
    const { c } = claimed(step)
    const early = c.onExecutionFinished(ref(step), cidOf(step), 6, 5)
    expect(visible(early)).toEqual([])
    expect(c.knownResult(step)).toBeUndefined()
    // Not on a tick before the window ends, nor on an input that is no decision.
    expect(visible(c.tick(10))).toEqual([])
    expect(visible(c.onRoundTrip(B, 1, 11))).toEqual([])
    const settled = c.tick(11)
    expect(effects(settled, 'startExecution')).toEqual([])
    expect(stepStates(settled)).toEqual(['RUNNING', 'COMPLETED'])
    expect(sent(settled, 'step_completed')).toMatchObject([{ cacheId: step, cid: cidOf(step), epoch: 1, holder: A, durationMs: 5 }])
    expect(effects(settled, 'putCacheRecord')).toMatchObject([{ cacheId: step, cid: cidOf(step) }])
    expect(effects(settled, 'jobFinished')).toMatchObject([{ result: { state: 'completed', outputCid: cidOf(step) } }])
    expect(c.metrics()).toMatchObject({ stepsRun: 1, stepsCompleted: 1, speculativeStarts: 1, speculativeAborts: 0, abortedExecutions: 0 })
  })

  it('holds a failure that comes before the window ends, and reports it once the claim has settled', () => {
    const step = cacheId(2)
    const { c } = claimed(step)
    expect(visible(c.onExecutionFailed(ref(step), 'Conversion failed!', 4))).toEqual([])
    expect(c.job(jobId(1), 4)?.steps[0]).toMatchObject({ state: 'CLAIMED', attempts: 0 })
    const settled = c.tick(11)
    expect(stepStates(settled)).toEqual(['RUNNING', 'FAILED'])
    expect(sent(settled, 'step_failed')).toMatchObject([{ cacheId: step, epoch: 1, holder: A, errorTail: 'Conversion failed!' }])
    expect(c.metrics()).toMatchObject({ stepsRun: 1, stepsFailed: 1, speculativeStarts: 1 })
  })

  it('aborts the run when a better claim arrives during the window; a held result is dropped unpublished', () => {
    const step = cacheIdRankedFirst(B, [A])
    // Still running: aborted.
    const running = claimed(step).c
    const lost = running.onMessage(claim(B, step, 1), 5)
    expect(effects(lost, 'abortExecution')).toEqual([{ type: 'abortExecution', execution: ref(step), reason: 'lost_lease' }])
    // Its report, had it been queued before the abort, is ignored: nothing of the run is ever published.
    const late = merge([running.onExecutionFinished(ref(step), cidOf(step), 6), running.tick(11), running.tick(500)])
    expect(visible(late)).toEqual([])
    expect(sent(late, 'lease_release')).toEqual([])
    expect(running.metrics()).toMatchObject({ conflictsLost: 1, speculativeStarts: 1, speculativeAborts: 1, abortedExecutions: 1, duplicateExecutions: 0 })

    // Already finished: its held result goes with the claim; there is nothing left to abort.
    const finished = claimed(step).c
    finished.onExecutionFinished(ref(step), cidOf(step), 4)
    const dropped = merge([finished.onMessage(claim(B, step, 1), 5), finished.tick(11), finished.tick(500)])
    expect(effects(dropped, 'abortExecution')).toEqual([])
    expect(visible(dropped)).toEqual([])
    expect(finished.knownResult(step)).toBeUndefined()
    expect(finished.metrics()).toMatchObject({ speculativeAborts: 1, abortedExecutions: 0, stepsCompleted: 0 })
  })

  it('aborts the run when the step completes elsewhere or its job is cancelled during the window', () => {
    const step = cacheId(3)
    const elsewhere = claimed(step).c
    const result = elsewhere.onMessage({ v: 1, type: 'step_completed', jobId: jobId(1), stepId: 's0', cacheId: step, cid: cidOf(step), epoch: 1, holder: B, sender: B, attestations: [{ peer: B, epoch: 1 }], cached: true, sentAt: 0 }, 5)
    expect(effects(result, 'abortExecution')).toMatchObject([{ execution: ref(step), reason: 'completed_elsewhere' }])
    expect(elsewhere.metrics()).toMatchObject({ speculativeAborts: 1, duplicateExecutions: 0 })

    const cancelled = claimed(step).c
    const out = cancelled.cancelJob(jobId(1), 5)
    expect(effects(out, 'abortExecution')).toMatchObject([{ execution: ref(step), reason: 'cancelled' }])
    expect(sent(out, 'lease_release')).toMatchObject([{ cacheId: step, epoch: 1, reason: 'cancelled' }])
    expect(visible(merge([cancelled.onExecutionFailed(ref(step), 'killed', 6), cancelled.tick(11)]))).toEqual([])
  })

  it('keeps the run going through a reclaim during the window, and publishes its result under the new epoch after a new window', () => {
    const step = cacheIdRankedFirst(B, [A])
    const { c } = claimed(step)
    // B, ranked first, released a claim A never heard: A's claim lost only to a released one. It claims
    // again above it; its run goes on (it reports under the epoch it started with).
    const reclaimed = c.onMessage({ v: 1, type: 'lease_release', cacheId: step, epoch: 1, holder: B, reason: 'restarted', sentAt: 0 }, 5)
    expect(effects(reclaimed, 'abortExecution')).toEqual([])
    expect(sent(reclaimed, 'lease_claim')).toMatchObject([{ cacheId: step, epoch: 2, holder: A }])
    expect(visible(c.onExecutionFinished(ref(step), cidOf(step), 8))).toEqual([])
    // The first window's end is no longer the one that counts: the new claim waits its own.
    expect(visible(c.tick(11))).toEqual([])
    const settled = c.tick(15)
    expect(effects(settled, 'startExecution')).toEqual([])
    expect(sent(settled, 'step_completed')).toMatchObject([{ cacheId: step, epoch: 2, holder: A }])
    expect(c.metrics()).toMatchObject({ speculativeStarts: 1, speculativeAborts: 0, abortedExecutions: 0 })
  })

  it('a takeover starts nothing before its refute window ends: the holder it replaces may be running the step', () => {
    const step = cacheId(9)
    const c = node(A)
    near(c, [B])
    c.onMessage(claim(B, step, 1), 0)
    missAll(c, c.onJobReceived(chainJob(jobId(1), [step]), 0), 1)
    let t = 500
    let takeover: CoordinatorOutput | undefined
    for (; t <= 10_000 && takeover === undefined; t += 500) {
      const out = c.tick(t)
      if (sent(out, 'lease_claim').length > 0) takeover = out
    }
    expect(takeover).toBeDefined()
    expect(effects(takeover!, 'startExecution')).toEqual([])
    expect(c.metrics()).toMatchObject({ takeovers: 1, speculativeStarts: 0 })
    let started: CoordinatorOutput | undefined
    for (let at = t; at <= t + 100 && started === undefined; at += 5) {
      const out = c.tick(at)
      if (effects(out, 'startExecution').length > 0) started = out
    }
    expect(stepStates(started!)).toEqual(['RUNNING'])
    expect(c.metrics()).toMatchObject({ stepsRun: 1, speculativeStarts: 0 })
  })
})
