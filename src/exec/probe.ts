import { errorMessage } from '../errors.ts'
import { INPUT_FORMAT_WHITELIST, fileUrl, inputReadOptions, protocolWhitelistOf } from './command.ts'
import { FfprobeFailedError } from './errors.ts'
import { runProcess } from './process.ts'
import type { Launch } from './launch.ts'
import type { SpawnListener } from './spawns.ts'
import { parsePacketCsv, parseProbeJson } from './probe-parse.ts'
import type { PacketFact } from '../plan/index.ts'
import type { MediaInfo } from './probe-parse.ts'

export type { AudioStreamInfo, MediaInfo, StreamInfo, VideoStreamInfo } from './probe-parse.ts'

/** How long ffprobe may take on one file. */
export const DEFAULT_PROBE_TIMEOUT_MS = 60_000

export interface ProbeOptions {
  ffprobePath: string
  /** ffprobe's cwd; `file` is relative to it (or absolute). */
  cwd?: string | undefined
  /** @default DEFAULT_PROBE_TIMEOUT_MS */
  timeoutMs?: number | undefined
  signal?: AbortSignal | undefined
  onSpawn?: SpawnListener | undefined
  /** How ffprobe is started; @default a child of this process */
  launch?: Launch | undefined
}

async function ffprobe (file: string, args: string[], options: ProbeOptions): Promise<string> {
  const result = await runProcess(options.ffprobePath, [
    '-v',
    'error',
    '-hide_banner',
    '-protocol_whitelist',
    protocolWhitelistOf(file),
    '-format_whitelist',
    INPUT_FORMAT_WHITELIST,
    ...inputReadOptions(file),
    ...args,
    fileUrl(file)
  ], {
    label: 'ffprobe',
    cwd: options.cwd,
    timeoutMs: options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    signal: options.signal,
    onSpawn: pid => options.onSpawn?.({ binary: 'ffprobe', purpose: 'probe', path: options.ffprobePath, pid }),
    launch: options.launch
  })
  if (result.exitCode !== 0) {
    const why = result.stderrTail.at(-1) ?? `exit ${String(result.exitCode ?? result.signal)}`
    throw new FfprobeFailedError(`ffprobe could not read ${file}: ${why}`, { file, exitCode: result.exitCode, errorTail: result.stderrTail })
  }
  return result.stdout
}

/** Container and stream facts of a media file. */
export async function probeMedia (file: string, options: ProbeOptions): Promise<MediaInfo> {
  const stdout = await ffprobe(file, ['-print_format', 'json', '-show_format', '-show_streams'], options)
  try {
    return parseProbeJson(JSON.parse(stdout))
  } catch (err: unknown) {
    throw new FfprobeFailedError(`ffprobe gave unreadable output for ${file}: ${errorMessage(err)}`, { file }, { cause: err })
  }
}

/** Presentation times (seconds, ascending) of the first video stream's keyframes. Reads packets, decodes nothing. */
export async function probeKeyframes (file: string, options: ProbeOptions): Promise<number[]> {
  const stdout = await ffprobe(file, ['-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-print_format', 'csv=p=0'], options)
  const times: number[] = []
  for (const line of stdout.split('\n')) {
    const [pts, flags] = line.trim().split(',')
    if (pts == null || flags == null || !flags.startsWith('K')) continue
    const t = Number(pts)
    if (Number.isFinite(t)) times.push(t)
  }
  return times.sort((a, b) => a - b)
}

/** A stream's time base from ffprobe (`1/12800`), as [num, den]. */
export async function probeTimeBase (file: string, stream: number, options: ProbeOptions): Promise<[number, number]> {
  const stdout = await ffprobe(file, ['-select_streams', String(stream), '-show_entries', 'stream=time_base', '-print_format', 'csv=p=0'], options)
  const match = /^(\d+)\/(\d+)/.exec(stdout.trim())
  const num = Number(match?.[1])
  const den = Number(match?.[2])
  if (!(num > 0 && den > 0)) throw new FfprobeFailedError(`ffprobe gave no time base for stream ${stream} of ${file}`, { file, stream })
  return [num, den]
}

/** Every packet of one stream in decode order: times in ticks of its time base, byte position, key flag. Reads packets, decodes nothing. */
export async function probePackets (file: string, stream: number, options: ProbeOptions): Promise<PacketFact[]> {
  const stdout = await ffprobe(file, ['-select_streams', String(stream), '-show_entries', 'packet=pts,dts,duration,pos,flags', '-print_format', 'csv=p=0'], options)
  return parsePacketCsv(stdout)
}
