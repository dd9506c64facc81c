import { median, sampleProcess } from './proc.ts'

/** What the coordination benchmark measures of each system, and how it sums up stages. */

/** One measured step: ms from runnable to each point (undefined when not seen). */
export interface StepTiming {
  claimed?: number
  ffmpeg?: number
  done?: number
  /** artdag: from the job's arrival in the submitting daemon's coordinator (job.running on A). */
  fromArrival?: { claimed?: number, ffmpeg?: number }
  /** artdag: from the holder's coordinator finding the step runnable (after its cache lookup) to ffmpeg. */
  protocolToFfmpeg?: number
  /** Consecutive stages (ms), to show where the time goes. */
  stages: Record<string, number>
}

export interface System {
  name: string
  /** One step, alone: resolves with its timing once it completed. */
  one: (tag: string, seed: number) => Promise<StepTiming>
  /** Steps at once as single-step jobs: the wall time until the last completed, and each step's timing. */
  burst: (tags: string[], seed: number) => Promise<{ seconds: number, timings: StepTiming[] }>
  /** artdag only: the steps as one job (plus a sink): the wall time until the last of them completed. */
  oneJob?: (tags: string[], seed: number) => Promise<{ seconds: number }>
  /** The system's own processes (daemons; workers and redis-server), not their ffmpeg children. */
  pids: () => number[]
}

/** CPU seconds the processes used (their own, not their children's). */
export async function cpuOf (pids: number[]): Promise<number> {
  const samples = await Promise.all(pids.map(async pid => await sampleProcess(pid)))
  return samples.reduce((sum, s) => sum + s.cpuSeconds, 0)
}

/** Stages between consecutive known points: the first point is the origin, each next label names the stage ending there. */
export function chain (points: Array<[string, number | undefined]>): Record<string, number> {
  const stages: Record<string, number> = {}
  let last = points[0]?.[1]
  for (const [label, at] of points.slice(1)) {
    if (at === undefined || last === undefined) {
      last = at ?? last
      continue
    }
    stages[label] = at - last
    last = at
  }
  return stages
}

/** Median of each stage over the steps that have it. */
export function stageMedians (timings: StepTiming[]): Record<string, number> {
  const labels = [...new Set(timings.flatMap(t => Object.keys(t.stages)))]
  return Object.fromEntries(labels.map(label => [label, Math.round(10 * median(timings.map(t => t.stages[label]).filter((v): v is number => v !== undefined))) / 10]))
}
