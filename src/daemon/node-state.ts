import { statfs } from 'node:fs/promises'
import { availableParallelism, loadavg } from 'node:os'
import type { LocalNodeState } from '../membership/index.ts'
import { MAX_STEPS_IN_HEARTBEAT } from '../protocol/index.ts'
import type { StepProgress } from '../protocol/index.ts'

export interface NodeStateSource {
  /** Where the free disk is measured: the home. */
  home: string
  slots: number
  /** What this node's ffmpeg can do; null version when it has none. */
  capabilities: () => { ffmpegVersion: string | null, encoders: string[] }
  /** The steps running here, with ffmpeg's progress. */
  runningSteps: () => StepProgress[]
  /** The leases this node holds and the jobs it knows, from the job coordinator. */
  coordination: () => Pick<LocalNodeState, 'leases' | 'jobs'>
}

/** This node's live state, as every heartbeat carries it. */
export async function localNodeState (source: NodeStateSource): Promise<LocalNodeState> {
  const disk = await statfs(source.home).catch(() => null)
  const steps = source.runningSteps()
  return {
    capacity: {
      slots: source.slots,
      cores: availableParallelism(),
      freeDiskBytes: disk != null ? Number(disk.bavail) * Number(disk.bsize) : 0
    },
    load: { runningSteps: steps.length, loadAverage: loadavg()[0] ?? 0, steps: steps.slice(0, MAX_STEPS_IN_HEARTBEAT) },
    capabilities: source.capabilities(),
    ...source.coordination()
  }
}
