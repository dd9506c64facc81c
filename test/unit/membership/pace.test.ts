import { describe, expect, it } from 'vitest'
import { everyPeerAnnounces, HeartbeatPace, hasWorkInFlight } from '../../../src/membership/core/pace.ts'
import type { Heartbeat } from '../../../src/protocol/index.ts'

const idle = { leases: [], jobs: [], load: { runningSteps: 0 } }

describe('heartbeat pace (an idle node heartbeats less often)', () => {
  it('stretches to the idle interval when nothing is in flight, the first two stretched heartbeats followed at the old pace', () => {
    const pace = new HeartbeatPace({ intervalMs: 3000, idleIntervalMs: 6000 })
    expect(pace.announced).toBe(3000)
    // The first two heartbeats announcing 6 s still come 3 s apart: a receiver that lost both hears
    // the third 9 s after the last 3 s one, as it would have before.
    expect(pace.next(0, false)).toEqual({ nextInMs: 6000, delayMs: 3000 })
    expect(pace.next(3000, false)).toEqual({ nextInMs: 6000, delayMs: 3000 })
    expect(pace.next(6000, false)).toEqual({ nextInMs: 6000, delayMs: 6000 })
    expect(pace.next(12_000, false)).toEqual({ nextInMs: 6000, delayMs: 6000 })
    expect(pace.announced).toBe(6000)
  })

  it('keeps the configured interval while work is in flight', () => {
    const pace = new HeartbeatPace({ intervalMs: 3000, idleIntervalMs: 6000 })
    expect(pace.next(0, true)).toEqual({ nextInMs: 3000, delayMs: 3000 })
    expect(pace.next(3000, true)).toEqual({ nextInMs: 3000, delayMs: 3000 })
  })

  it('work asks for a heartbeat at once when the last one announced the idle interval, and keeps 3 s for an idle interval after it', () => {
    const pace = new HeartbeatPace({ intervalMs: 3000, idleIntervalMs: 6000 })
    pace.next(0, false)
    pace.next(3000, false)
    pace.next(6000, false)
    expect(pace.work(8000)).toBe(true)
    // The heartbeat sent at once announces 3 s, and is followed after 3 s.
    expect(pace.next(8000, false)).toEqual({ nextInMs: 3000, delayMs: 3000 })
    // More work while we announce 3 s: no extra heartbeat.
    expect(pace.work(9000)).toBe(false)
    expect(pace.next(11_000, false)).toEqual({ nextInMs: 3000, delayMs: 3000 })
    // An idle interval after the last work: stretched again, the first two at the old pace.
    expect(pace.next(15_000, false)).toEqual({ nextInMs: 6000, delayMs: 3000 })
    expect(pace.next(18_000, false)).toEqual({ nextInMs: 6000, delayMs: 3000 })
  })

  it('an idle interval equal to the interval turns the stretch off', () => {
    const pace = new HeartbeatPace({ intervalMs: 3000, idleIntervalMs: 3000 })
    expect(pace.next(0, false)).toEqual({ nextInMs: 3000, delayMs: 3000 })
    expect(pace.work(1000)).toBe(false)
  })

  it('work in flight: a lease held, a step running, a job running', () => {
    expect(hasWorkInFlight(idle)).toBe(false)
    expect(hasWorkInFlight({ ...idle, jobs: [{ jobId: 'j', state: 'completed' }, { jobId: 'k', state: 'cancelled' }] })).toBe(false)
    expect(hasWorkInFlight({ ...idle, jobs: [{ jobId: 'j', state: 'running' }] })).toBe(true)
    expect(hasWorkInFlight({ ...idle, leases: [{ cacheId: 'c'.repeat(64), epoch: 1 }] })).toBe(true)
    expect(hasWorkInFlight({ ...idle, load: { runningSteps: 1 } })).toBe(true)
  })

  it('stretches only when every live peer announces its interval: a node from before the field keeps the cluster at the configured pace', () => {
    const hb = (nextInMs?: number) => ({ nextInMs }) as unknown as Heartbeat
    const self = { state: 'alive' as const, source: 'self' as const, heartbeat: undefined }
    const newer = { state: 'alive' as const, source: 'heartbeat' as const, heartbeat: hb(6000) }
    expect(everyPeerAnnounces([self, newer, { ...newer, heartbeat: hb(3000) }])).toBe(true)
    // An older node (no field), or a peer known only from a registry (not heard yet): no stretch.
    expect(everyPeerAnnounces([self, newer, { ...newer, heartbeat: hb(undefined) }])).toBe(false)
    expect(everyPeerAnnounces([self, newer, { state: 'alive' as const, source: 'registry' as const, heartbeat: undefined }])).toBe(false)
    // A dead or suspect older node does not hold the others back.
    expect(everyPeerAnnounces([self, newer, { state: 'dead' as const, source: 'heartbeat' as const, heartbeat: hb(undefined) }])).toBe(true)
  })
})
