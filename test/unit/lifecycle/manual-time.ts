import type { Clock, Scheduler, TimerHandle } from '../../../src/lifecycle/index.ts'

/** A clock and a scheduler on one time that moves only when the test says so. */
export interface ManualTime extends Clock, Scheduler {
  /** Fires the earliest timer due by `until`, moving the time to it; false when none is. */
  fireNext: (until: number) => boolean
  /** Fires every timer due within `ms`, in order, then sets the time `ms` later. */
  advance: (ms: number) => void
  pending: () => number
}

export function manualTime (start = 0): ManualTime {
  let now = start
  const timers = new Map<TimerHandle, { at: number, fn: () => void }>()
  const fireNext = (until: number): boolean => {
    const next = [...timers].filter(([, t]) => t.at <= until).sort(([, a], [, b]) => a.at - b.at)[0]
    if (next === undefined) {
      now = Math.max(now, until)
      return false
    }
    timers.delete(next[0])
    now = next[1].at
    next[1].fn()
    return true
  }
  return {
    now: () => now,
    wallNow: () => now,
    setTimeout: (fn, ms) => {
      const handle: TimerHandle = {}
      timers.set(handle, { at: now + ms, fn })
      return handle
    },
    clearTimeout: handle => {
      if (handle !== undefined) timers.delete(handle)
    },
    fireNext,
    advance: ms => {
      const until = now + ms
      while (fireNext(until));
    },
    pending: () => timers.size
  }
}
