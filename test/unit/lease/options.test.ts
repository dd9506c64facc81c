import { describe, expect, it } from 'vitest'
import { LeaseOptionsError } from '../../../src/lease/errors.ts'
import { resolveLeaseOptions } from '../../../src/lease/options.ts'

describe('lease options', () => {
  it('defaults to ttl 6 s, renewals every ttl/3, rank delay 60 ms, settle 10 ms (floors), waits capped at 2 s, a step held at most an hour', () => {
    expect(resolveLeaseOptions()).toEqual({
      ttlMs: 6000,
      renewIntervalMs: 2000,
      rankDelayMs: 60,
      settleMs: 10,
      maxWaitMs: 2000,
      unknownOneWayMs: 50,
      rejoinQuietMs: 2500,
      maxTickIntervalMs: 1000,
      pauseThresholdMs: 2000,
      maxHoldMs: 3_600_000
    })
  })

  it('derives the renewal and quiet periods from a custom ttl', () => {
    expect(resolveLeaseOptions({ ttlMs: 3000 })).toMatchObject({ renewIntervalMs: 1000, rejoinQuietMs: 1500 })
  })

  it('names the option that cannot work', () => {
    expect(() => resolveLeaseOptions({ ttlMs: 1000, renewIntervalMs: 1000 })).toThrow(LeaseOptionsError)
    expect(() => resolveLeaseOptions({ ttlMs: 1000, renewIntervalMs: 1000 })).toThrow(/renewIntervalMs \(1000\) must be positive and below ttlMs/)
    expect(() => resolveLeaseOptions({ settleMs: -1 })).toThrow(/settleMs must be a non-negative number/)
    expect(() => resolveLeaseOptions({ maxTickIntervalMs: 500, pauseThresholdMs: 400 })).toThrow(/pauseThresholdMs/)
    expect(() => resolveLeaseOptions({ ttlMs: 6000, maxHoldMs: 5000 })).toThrow(/maxHoldMs \(5000\) must exceed ttlMs \(6000\)/)
  })
})
