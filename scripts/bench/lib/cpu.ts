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
