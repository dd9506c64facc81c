/**
 * The coordinator needs a monotonic clock. `performance.now()` is monotonic but
 * restarts from zero with the process, and snapshots outlive processes; the
 * process's time origin plus `performance.now()` is monotonic within a process
 * and continues across restarts as the wall clock does.
 */
export function monotonicNow (): number {
  return performance.timeOrigin + performance.now()
}
