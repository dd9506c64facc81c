import { stat } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import { FfprobeFailedError, StepInputsInvalidError } from './errors.ts'
import { probeKeyframes, probeMedia, probePackets, probeTimeBase } from './probe.ts'
import { isLoopbackUrl } from './command.ts'
import type { Launch } from './launch.ts'
import type { MediaInfo } from './probe.ts'
import type { SpawnListener } from './spawns.ts'
import type { ProbeNeed, StepInput } from './step.ts'
import { isInside } from './workspace.ts'
import type { Workspace } from './workspace.ts'
import { present } from '../defined.ts'

/** What a step that probes nothing knows about an input. */
const UNPROBED: MediaInfo = { formatName: 'unknown', durationS: null, sizeBytes: null, bitRate: null, streams: [], video: null, audio: null, still: false }

/**
 * Brings input files into the workspace as `input-<i>` (linked or copied, never
 * moved) unless they are already in it; returns their names in the workspace.
 */
export async function adoptInputs (workspace: Workspace, files: string[]): Promise<string[]> {
  const names: string[] = []
  for (const [i, file] of files.entries()) {
    if (isLoopbackUrl(file)) {
      names.push(file)
      continue
    }
    const absolute = resolve(file)
    if (isInside(workspace.dir, absolute)) {
      const name = relative(workspace.dir, absolute)
      // Also refuses a symlink in the workspace that points out of it.
      await workspace.realPath(name).catch(err => {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StepInputsInvalidError(`input ${i} (${file}) does not exist`, { input: i, file })
        throw err
      })
      names.push(name)
      continue
    }
    const info = await stat(absolute).catch(() => null)
    if (info?.isFile() !== true) throw new StepInputsInvalidError(`input ${i} (${file}) is not a readable file`, { input: i, file })
    const name = `input-${i}`
    await workspace.adopt(absolute, name)
    names.push(name)
  }
  return names
}

export interface ProbeInputsOptions {
  /** The step type, for messages. */
  type: string
  ffprobePath: string
  cwd: string
  /** The time left for the step, asked before each probe. */
  timeoutMs: () => number
  signal?: AbortSignal | undefined
  onSpawn?: SpawnListener | undefined
  launch?: Launch | undefined
}

/** The facts a step asked for about each input; an unreadable input is named. */
export async function probeInputs (names: string[], need: ProbeNeed, options: ProbeInputsOptions): Promise<StepInput[]> {
  if (need === 'none') return names.map(file => ({ file, info: UNPROBED }))
  const probeOptions = () => ({ ffprobePath: options.ffprobePath, cwd: options.cwd, timeoutMs: options.timeoutMs(), signal: options.signal, onSpawn: options.onSpawn, launch: options.launch })
  const inputs: StepInput[] = []
  for (const [i, file] of names.entries()) {
    try {
      const info = await probeMedia(file, probeOptions())
      const keyframes = need === 'keyframes' && info.video != null ? await probeKeyframes(file, probeOptions()) : undefined
      const packets = need === 'packets' && info.video != null
        ? { timeBase: await probeTimeBase(file, info.video.index, probeOptions()), list: await probePackets(file, info.video.index, probeOptions()) }
        : undefined
      inputs.push({ file, info, ...present({ keyframes }), ...present({ packets }) })
    } catch (err: unknown) {
      if (!(err instanceof FfprobeFailedError)) throw err
      // ffprobe's last line says why, after the input's name, which the message says once already.
      const tail = err.details?.errorTail
      const why = Array.isArray(tail) && typeof tail.at(-1) === 'string' ? (tail.at(-1) as string).replace(/^\S+: /, '') : err.message
      throw new StepInputsInvalidError(`input ${i} of ${options.type} is not a media file ffmpeg can read (ffprobe: ${why})`, { input: i, errorTail: tail }, { cause: err })
    }
  }
  return inputs
}
