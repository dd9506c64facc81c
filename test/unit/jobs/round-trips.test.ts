import { describe, expect, it } from 'vitest'
import { DEFAULT_QUIET_AFTER_MS, DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS, DEFAULT_ROUND_TRIP_INTERVAL_MS, RoundTripMonitor } from '../../../src/jobs/driver/round-trips.ts'
import type { Scheduler, TimerHandle } from '../../../src/lifecycle/index.ts'
import { DEFAULT_MAX_SAMPLE_AGE_MS, DEFAULT_TIMING_WINDOW } from '../../../src/lease/index.ts'

interface Timer {
  at: number
  fn: () => void
  unref: () => void
}

/** Virtual time: timers fire in order as the test advances the clock. */
class VirtualTime implements Scheduler {
  now = 0
  readonly timers = new Set<Timer>()
  setTimeout (fn: () => void, ms: number): TimerHandle {
    const timer = { at: this.now + ms, fn, unref: () => {} }
    this.timers.add(timer)
    return timer
  }

  clearTimeout (handle: TimerHandle | undefined): void {
    this.timers.delete(handle as Timer)
  }

  advance (ms: number): void {
    const end = this.now + ms
    for (;;) {
      const next = [...this.timers].filter(t => t.at <= end).sort((a, b) => a.at - b.at)[0]
      if (next === undefined) break
      this.timers.delete(next)
      this.now = next.at
      next.fn()
    }
    this.now = end
  }
}

function cluster (busy: () => boolean, rtt: () => number = () => 2) {
  const time = new VirtualTime()
  const pings: number[] = []
  const samples: number[] = []
  const monitor = new RoundTripMonitor({
    ping: {
      ping: (_peer, done) => {
        pings.push(time.now)
        done(rtt())
        return undefined
      }
    },
    scheduler: time,
    clock: { now: () => time.now },
    busy,
    peers: () => ['peer-b'],
    report: (_peer, rttMs) => {
      samples.push(rttMs)
    },
    onError: err => {
      throw err
    }
  })
  return { time, pings, samples, monitor }
}

/** Pings made in [from, to). */
const between = (pings: number[], from: number, to: number): number[] => pings.filter(at => at >= from && at < to)

describe('RoundTripMonitor: a quiet node pings less often', () => {
  it('keeps as many samples in the window as at the full pace', () => {
    // The window keeps the last 32 samples, none older than 10 minutes: at the quiet pace 32 samples
    // still fit in 10 minutes, so the highest of 32 samples still decides.
    expect(DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS * DEFAULT_TIMING_WINDOW).toBeLessThanOrEqual(DEFAULT_MAX_SAMPLE_AGE_MS)
    expect(DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS).toBeGreaterThan(DEFAULT_ROUND_TRIP_INTERVAL_MS)
    expect(DEFAULT_QUIET_AFTER_MS).toBe(DEFAULT_TIMING_WINDOW * DEFAULT_ROUND_TRIP_INTERVAL_MS)
  })

  it('pings every 5 s while a job runs, and for 32 samples after the last one', async () => {
    let busy = true
    const { time, pings, monitor } = cluster(() => busy)
    await monitor.start()
    time.advance(600_000)
    expect(between(pings, 300_000, 600_000)).toHaveLength(300_000 / DEFAULT_ROUND_TRIP_INTERVAL_MS)
    busy = false
    time.advance(DEFAULT_QUIET_AFTER_MS)
    expect(between(pings, 600_000, 600_000 + DEFAULT_QUIET_AFTER_MS)).toHaveLength(DEFAULT_QUIET_AFTER_MS / DEFAULT_ROUND_TRIP_INTERVAL_MS)
    expect(monitor.quiet).toBe(true)
    const quietFrom = time.now
    time.advance(10 * 60_000)
    const quiet = between(pings, quietFrom + DEFAULT_ROUND_TRIP_INTERVAL_MS, time.now)
    expect(quiet.length).toBeGreaterThanOrEqual(Math.floor(10 * 60_000 / DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS) - 1)
    expect(quiet.length).toBeLessThanOrEqual(Math.ceil(10 * 60_000 / DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS))
    await monitor.stop()
  })

  it('goes back to 5 s as soon as work arrives, at the 5 s pace', async () => {
    const { time, pings, monitor } = cluster(() => false)
    await monitor.start()
    time.advance(DEFAULT_QUIET_AFTER_MS + 60_000)
    expect(monitor.quiet).toBe(true)
    const last = pings.at(-1) as number
    // Work 1 s after a quiet sweep: the next ping comes when the 5 s pace would have made it.
    time.advance(last + 1000 - time.now)
    monitor.active()
    expect(monitor.quiet).toBe(false)
    time.advance(DEFAULT_ROUND_TRIP_INTERVAL_MS)
    expect(pings.at(-1)).toBe(last + DEFAULT_ROUND_TRIP_INTERVAL_MS)
    time.advance(DEFAULT_QUIET_AFTER_MS - DEFAULT_ROUND_TRIP_INTERVAL_MS - 1000)
    expect(between(pings, last + 1, time.now)).toHaveLength(DEFAULT_QUIET_AFTER_MS / DEFAULT_ROUND_TRIP_INTERVAL_MS - 1)
    await monitor.stop()
  })

  it('goes back to 5 s when a sample jumps', async () => {
    let rtt = 2
    const { time, pings, samples, monitor } = cluster(() => false, () => rtt)
    await monitor.start()
    time.advance(DEFAULT_QUIET_AFTER_MS + 60_000)
    expect(monitor.quiet).toBe(true)
    // Small moves on loopback are not jumps.
    rtt = 6
    time.advance(DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS)
    expect(monitor.quiet).toBe(true)
    rtt = 40
    time.advance(DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS)
    expect(samples.at(-1)).toBe(40)
    expect(monitor.quiet).toBe(false)
    const jumpAt = pings.at(-1) as number
    time.advance(60_000)
    expect(between(pings, jumpAt + 1, time.now)).toHaveLength(60_000 / DEFAULT_ROUND_TRIP_INTERVAL_MS)
    await monitor.stop()
  })

  it('never slows down without a way to know whether the node is busy', async () => {
    const time = new VirtualTime()
    const pings: number[] = []
    const monitor = new RoundTripMonitor({
      ping: {
        ping: (_peer, done) => {
          pings.push(time.now)
          done(1)
          return undefined
        }
      },
      scheduler: time,
      peers: () => ['peer-b'],
      report: () => {},
      onError: err => {
        throw err
      }
    })
    await monitor.start()
    time.advance(20 * 60_000)
    expect(pings).toHaveLength(20 * 60_000 / DEFAULT_ROUND_TRIP_INTERVAL_MS + 1)
    await monitor.stop()
  })
})
