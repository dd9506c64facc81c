import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'

/** Process accounting from /proc (Linux): CPU seconds used and resident memory. */

const CLOCK_TICKS = 100 // sysconf(_SC_CLK_TCK) on Linux

export interface ProcSample {
  at: number
  cpuSeconds: number
  rssBytes: number
}

export async function sampleProcess (pid: number): Promise<ProcSample> {
  const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')])
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  const rss = /VmRSS:\s+(\d+) kB/.exec(status)
  return { at: performance.now(), cpuSeconds: (utime + stime) / CLOCK_TICKS, rssBytes: Number(rss?.[1] ?? 0) * 1024 }
}

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export function percentile (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}

/** Samples a process every `intervalMs` for `seconds`; returns RSS samples and the CPU share over the window. */
export async function watchProcess (pid: number, seconds: number, intervalMs = 1000): Promise<{ rssBytes: number[], cpuPercent: number, perSecondCpuPercent: number[] }> {
  const samples: ProcSample[] = [await sampleProcess(pid)]
  const end = performance.now() + seconds * 1000
  while (performance.now() < end) {
    await new Promise(resolve => setTimeout(resolve, intervalMs))
    samples.push(await sampleProcess(pid))
  }
  const first = samples[0] as ProcSample
  const last = samples.at(-1) as ProcSample
  const perSecond = samples.slice(1).map((s, i) => 100 * (s.cpuSeconds - (samples[i] as ProcSample).cpuSeconds) / ((s.at - (samples[i] as ProcSample).at) / 1000))
  return {
    rssBytes: samples.map(s => s.rssBytes),
    cpuPercent: 100 * (last.cpuSeconds - first.cpuSeconds) / ((last.at - first.at) / 1000),
    perSecondCpuPercent: perSecond
  }
}

/** The daemon's spawner helper (src/exec/spawner/helper.mjs), if it runs: its CPU is the daemon's too. */
export function spawnerHelpersOf (pid: number): number[] {
  let children: string
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
  } catch {
    return []
  }
  return children.trim().split(/\s+/).filter(c => c !== '').map(Number).filter(child => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('spawner/helper.mjs')
    } catch {
      return false
    }
  })
}
