import { describe, expect, it } from 'vitest'
import { DEFAULT_QUIET_AFTER_MS, DEFAULT_QUIET_AFTER_SAMPLES, DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS, DEFAULT_ROUND_TRIP_INTERVAL_MS, RoundTripMonitor } from '../../../src/jobs/driver/round-trips.ts'
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

function cluster (busy: () => boolean, rtt: () => number = () => 2, peers: () => string[] = () => ['peer-b']) {
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
    peers,
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
    const jumpAt = pings[samples.indexOf(40)] as number
    time.advance(jumpAt + 60_000 - time.now)
    expect(between(pings, jumpAt + 1, time.now + 1)).toHaveLength(60_000 / DEFAULT_ROUND_TRIP_INTERVAL_MS)
    await monitor.stop()
  })

  it('slows down after a quarter of a window of every live peer, when it has had no work since its start', async () => {
    let peers = ['peer-b']
    const { time, pings, monitor } = cluster(() => false, () => 2, () => peers)
    await monitor.start()
    const enough = (DEFAULT_QUIET_AFTER_SAMPLES - 1) * DEFAULT_ROUND_TRIP_INTERVAL_MS
    time.advance(enough)
    expect(pings).toHaveLength(DEFAULT_QUIET_AFTER_SAMPLES)
    expect(monitor.quiet).toBe(true)
    time.advance(3 * DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS)
    expect(between(pings, enough + 1, time.now + 1)).toEqual([1, 2, 3].map(n => enough + n * DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS))
    // A peer that turns alive has too few samples: 5 s again, until it has as many.
    peers = ['peer-b', 'peer-c']
    monitor.peersChanged()
    expect(monitor.quiet).toBe(false)
    const joinedAt = time.now
    time.advance(DEFAULT_QUIET_ROUND_TRIP_INTERVAL_MS + enough)
    expect(monitor.quiet).toBe(true)
    expect(time.now - joinedAt).toBeLessThan(DEFAULT_QUIET_AFTER_MS)
    await monitor.stop()
  })

  it('waits the full 160 s after its start when work came meanwhile, or a sample jumped', async () => {
    let rtt = 2
    const { time, pings, monitor } = cluster(() => false, () => rtt)
    await monitor.start()
    time.advance(DEFAULT_ROUND_TRIP_INTERVAL_MS)
    monitor.active()
    time.advance(DEFAULT_QUIET_AFTER_MS - 1)
    expect(monitor.quiet).toBe(false)
    expect(between(pings, 0, time.now)).toHaveLength(DEFAULT_QUIET_AFTER_MS / DEFAULT_ROUND_TRIP_INTERVAL_MS + 1)

    const second = cluster(() => false, () => rtt)
    await second.monitor.start()
    second.time.advance(DEFAULT_ROUND_TRIP_INTERVAL_MS * 3)
    rtt = 40
    second.time.advance(DEFAULT_ROUND_TRIP_INTERVAL_MS)
    rtt = 2
    second.time.advance(DEFAULT_QUIET_AFTER_MS - 1)
    expect(second.monitor.quiet).toBe(false)
    await Promise.all([monitor.stop(), second.monitor.stop()])
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
