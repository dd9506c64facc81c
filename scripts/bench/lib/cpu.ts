import { readFile } from 'node:fs/promises'

/**
 * CPU accounting for benchmarks that share the machine: what our processes
 * used (with the children they waited for, i.e. their ffmpeg runs) against
 * what the whole machine used, from /proc (Linux).
 */

const CLOCK_TICKS = 100 // sysconf(_SC_CLK_TCK) on Linux

/** CPU seconds of a process and of its children it has reaped (utime + stime + cutime + cstime). */
export async function processTreeCpu (pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / CLOCK_TICKS
}

/** Busy CPU seconds of the whole machine since boot (all cores; idle and iowait excluded). */
export async function machineBusyCpu (): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? ''
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number)
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLOCK_TICKS
}

/**
 * Starts a window; `end()` gives the CPU seconds `pids` (and their reaped children) and the rest of
 * the machine used in it. `pids` is asked at each sample: a process started inside the window (a
 * daemon's spawner helper) counts whole at its end.
 */
export async function cpuWindow (pids: () => number[]): Promise<{ end: () => Promise<{ oursSeconds: number, othersSeconds: number, wallSeconds: number }> }> {
  const sample = async (): Promise<{ ours: number, machine: number, at: number }> => {
    const [ours, machine] = await Promise.all([Promise.all(pids().map(processTreeCpu)), machineBusyCpu()])
    return { ours: ours.reduce((a, b) => a + b, 0), machine, at: performance.now() }
  }
  const start = await sample()
  return {
    end: async () => {
      const stop = await sample()
      const oursSeconds = stop.ours - start.ours
      return { oursSeconds, othersSeconds: Math.max(0, stop.machine - start.machine - oursSeconds), wallSeconds: (stop.at - start.at) / 1000 }
    }
  }
}

/**
 * Waits until every process of `pids` used at most `maxShare` of a core over one window of
 * `windowMs` (a daemon past its start: its modules compiled, its first queries and heartbeats
 * done), within `timeoutMs`. Says how long it waited and whether they settled.
 */
export async function settled (pids: number[], options: { maxShare?: number, windowMs?: number, timeoutMs?: number } = {}): Promise<{ waitedMs: number, settled: boolean, shares: number[] }> {
  const { maxShare = 0.05, windowMs = 1000, timeoutMs = 30_000 } = options
  const started = performance.now()
  let before = await Promise.all(pids.map(processTreeCpu))
  let at = performance.now()
  while (true) {
    await new Promise(resolve => setTimeout(resolve, windowMs))
    const now = await Promise.all(pids.map(processTreeCpu))
    const elapsed = (performance.now() - at) / 1000
    const shares = now.map((cpu, i) => (cpu - (before[i] ?? 0)) / elapsed)
    const waitedMs = performance.now() - started
    if (shares.every(share => share <= maxShare)) return { waitedMs, settled: true, shares }
    if (waitedMs >= timeoutMs) return { waitedMs, settled: false, shares }
    before = now
    at = performance.now()
  }
}
