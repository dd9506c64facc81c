import { statfs } from 'node:fs/promises'
import { availableParallelism, loadavg } from 'node:os'
import type { LocalNodeState } from '../membership/index.ts'

export interface NodeStateSource {
  /** Where the free disk is measured: the home. */
  home: string
  slots: number
  /** What this node's ffmpeg can do; null version when it has none. */
  capabilities: () => { ffmpegVersion: string | null, encoders: string[] }
  runningSteps: () => number
  /** The leases this node holds and the jobs it knows, from the job coordinator. */
  coordination: () => Pick<LocalNodeState, 'leases' | 'jobs'>
}

/** This node's live state, as every heartbeat carries it. */
export async function localNodeState (source: NodeStateSource): Promise<LocalNodeState> {
  const disk = await statfs(source.home).catch(() => null)
  return {
    capacity: {
      slots: source.slots,
      cores: availableParallelism(),
      freeDiskBytes: disk != null ? Number(disk.bavail) * Number(disk.bsize) : 0
    },
    load: { runningSteps: source.runningSteps(), loadAverage: loadavg()[0] ?? 0 },
    capabilities: source.capabilities(),
    ...source.coordination()
  }
}
