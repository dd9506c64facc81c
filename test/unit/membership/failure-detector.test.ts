import { describe, expect, it } from 'vitest'
import { announcedIntervalMs, detectState, MAX_INTERVAL_STRETCH, resolveTimings, silenceBounds } from '../../../src/membership/core/failure-detector.ts'
import { SequenceCounter } from '../../../src/membership/core/sequence.ts'

// The timings these cases are written for (the defaults are config/default.yaml's, checked below).
const timings = resolveTimings({ heartbeatIntervalMs: 2000, suspectAfterMs: 6000, deadAfterMs: 15000 })

describe('failure detector', () => {
  it('defaults to config/default.yaml: a 3 s interval, suspect after 9 s, dead after 20 s', () => {
    expect(resolveTimings()).toMatchObject({ heartbeatIntervalMs: 3000, suspectAfterMs: 9000, deadAfterMs: 20000 })
  })

  it('goes alive → suspect → dead with the silence since the last heartbeat', () => {
    const member = { heardAt: 1000, learnedAt: 0 }
    expect(detectState(member, 1000 + 5999, timings)).toBe('alive')
    expect(detectState(member, 1000 + 6000, timings)).toBe('suspect')
    expect(detectState(member, 1000 + 14_999, timings)).toBe('suspect')
    expect(detectState(member, 1000 + 15_000, timings)).toBe('dead')
  })

  it('keeps a member known only from a registry suspect until the dead timeout', () => {
    const member = { heardAt: undefined, learnedAt: 500 }
    expect(detectState(member, 500, timings)).toBe('suspect')
    expect(detectState(member, 500 + 14_999, timings)).toBe('suspect')
    expect(detectState(member, 500 + 15_000, timings)).toBe('dead')
  })

  it('waits for the interval a member announced (nextInMs): three of them before suspecting, dead as much later', () => {
    // 2 s configured, the member announced 4 s (nothing in flight): suspect after 12 s, dead after 21 s.
    const member = { heardAt: 1000, learnedAt: 0, heartbeat: { nextInMs: 4000 } }
    expect(detectState(member, 1000 + 11_999, timings)).toBe('alive')
    expect(detectState(member, 1000 + 12_000, timings)).toBe('suspect')
    expect(detectState(member, 1000 + 20_999, timings)).toBe('suspect')
    expect(detectState(member, 1000 + 21_000, timings)).toBe('dead')
    // At the shipped timings: 6 s announced, suspect after 18 s, dead after 29 s.
    expect(silenceBounds(6000, resolveTimings())).toEqual({ suspectAfterMs: 18_000, deadAfterMs: 29_000 })
  })

  it('an older node (no nextInMs) or a shorter announcement gets the configured timings; a longer one is capped', () => {
    expect(detectState({ heardAt: 1000, learnedAt: 0, heartbeat: {} }, 1000 + 6000, timings)).toBe('suspect')
    expect(detectState({ heardAt: 1000, learnedAt: 0, heartbeat: { nextInMs: 500 } }, 1000 + 6000, timings)).toBe('suspect')
    expect(announcedIntervalMs(undefined, 2000)).toBe(2000)
    expect(announcedIntervalMs(500, 2000)).toBe(2000)
    expect(announcedIntervalMs(3000, 2000)).toBe(3000)
    expect(announcedIntervalMs(60_000, 2000)).toBe(MAX_INTERVAL_STRETCH * 2000)
    // Capped: a member announcing a minute is suspect after MAX_INTERVAL_STRETCH × 6 s.
    const member = { heardAt: 1000, learnedAt: 0, heartbeat: { nextInMs: 60_000 } }
    expect(detectState(member, 1000 + MAX_INTERVAL_STRETCH * 6000, timings)).toBe('suspect')
  })

  it('refuses timings out of order, naming the key', () => {
    expect(() => resolveTimings({ suspectAfterMs: 1000 })).toThrow(/suspectAfterMs \(1000\) must be longer than heartbeatIntervalMs/)
    expect(() => resolveTimings({ deadAfterMs: 6000 })).toThrow(/deadAfterMs/)
    expect(() => resolveTimings({ forgetAfterMs: 10 })).toThrow(/forgetAfterMs/)
    expect(() => resolveTimings({ heartbeatIntervalMs: -1 })).toThrow(/heartbeatIntervalMs must be a positive/)
  })
})

describe('sequence counter', () => {
  it('follows the wall clock and never repeats or goes back', () => {
    const seq = new SequenceCounter()
    expect(seq.next(1000)).toBe(1000)
    expect(seq.next(1000)).toBe(1001)
    expect(seq.next(900)).toBe(1002) // the clock stepped back
    expect(seq.next(5000)).toBe(5000)
  })

  it('stays above a value observed from an earlier run', () => {
    const seq = new SequenceCounter()
    seq.observe(10_000)
    expect(seq.next(2000)).toBe(10_001)
  })
})
