/**
 * Time, injected. Components read the time and set timers only through a
 * Clock and a Scheduler, so tests and the simulator can drive them with
 * virtual time, and nothing in a component reads `Date.now()` by itself.
 */
export interface Clock {
  /** Monotonic milliseconds (never steps back within a process). */
  now: () => number
  /** Wall-clock milliseconds since the epoch: only for what humans and other machines read. */
  wallNow: () => number
}

export interface TimerHandle {
  /** Lets the process exit while only this timer is pending. */
  unref?: () => unknown
}

export interface Scheduler {
  setTimeout: (fn: () => void, ms: number) => TimerHandle
  clearTimeout: (handle: TimerHandle | undefined) => void
}

/**
 * The process's time origin plus `performance.now()`: monotonic within a process and,
 * unlike `performance.now()` alone, continuing across restarts as the wall clock does
 * (job snapshots outlive processes).
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  wallNow: () => Date.now()
}

export const systemScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
  clearTimeout: handle => {
    if (handle !== undefined) clearTimeout(handle as NodeJS.Timeout)
  }
}
