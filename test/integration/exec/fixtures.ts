import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveBinaries } from '../../../src/exec/binaries.ts'
import type { ResolvedBinaries } from '../../../src/exec/binaries.ts'
import { CapabilitiesCache } from '../../../src/exec/capabilities.ts'
import { executeStep } from '../../../src/exec/execute.ts'
import type { ExecuteStepOptions, StepResult } from '../../../src/exec/execute.ts'
import { probeMedia } from '../../../src/exec/probe.ts'
import type { MediaInfo } from '../../../src/exec/probe.ts'
import { runProcess } from '../../../src/exec/process.ts'

/** Real ffmpeg and ffprobe, small generated clips in a temp dir. */
export interface Bench {
  dir: string
  binaries: ResolvedBinaries
  capabilities: CapabilitiesCache
  /** Runs a step and keeps a copy of its output (the workspace is disposed). */
  render: (type: string, config: unknown, inputs?: string[], extra?: Partial<ExecuteStepOptions>) => Promise<{ file: string, result: StepResult }>
  probe: (file: string) => Promise<Facts>
  close: () => Promise<void>
}

export interface Facts extends MediaInfo {
  /** Decoded video frames (ffprobe -count_frames). */
  frames: number | null
  /** Seconds covered by the video: frames / fps. */
  videoSeconds: number | null
}

let serial = 0

export async function createBench (): Promise<Bench> {
  const dir = await mkdtemp(join(tmpdir(), 'artdag-exec-it-'))
  const binaries = await resolveBinaries()
  const capabilities = new CapabilitiesCache()
  const workRoot = join(dir, 'work')
  return {
    dir,
    binaries,
    capabilities,
    async render (type, config, inputs = [], extra = {}) {
      const result = await executeStep({ type, config, inputs, workRoot, binaries, capabilities, timeoutMs: 120_000, threads: 2, ...extra })
      const file = join(dir, `${type}-${++serial}.${result.output.extension}`)
      await copyFile(result.outputPath, file)
      await result.dispose()
      return { file, result }
    },
    async probe (file) {
      const info = await probeMedia(file, { ffprobePath: binaries.ffprobe.path })
      let frames: number | null = null
      if (info.video != null) {
        const counted = await runProcess(binaries.ffprobe.path, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { label: 'ffprobe', timeoutMs: 30_000 })
        frames = Number(counted.stdout.trim())
      }
      const rate = info.video?.frameRate
      return { ...info, frames, videoSeconds: frames != null && rate != null ? frames * rate.den / rate.num : null }
    },
    async close () {
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/** |actual − expected| ≤ one frame at `fps` (plus float slack). */
export function withinFrame (actual: number | null, expected: number, fps: number): boolean {
  return actual != null && Math.abs(actual - expected) <= 1 / fps + 1e-6
}

/** True while a process with this pid exists (a reaped child does not). */
export function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
