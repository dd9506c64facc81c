import { FfprobeFailedError } from './errors.ts'
/**
 * ffprobe's JSON (`-show_format -show_streams`) reduced to the facts steps
 * use. Pure, so it is tested without ffprobe.
 */
export interface Rational {
  num: number
  den: number
}

export interface StreamInfo {
  index: number
  type: 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | 'unknown'
  codec: string | null
  profile: string | null
  durationS: number | null
  bitRate: number | null
  /** Cover art inside an audio file: a video stream that is not a video. */
  attachedPic: boolean
  width?: number | undefined
  height?: number | undefined
  pixelFormat?: string | null | undefined
  /** Frames per second as ffprobe states it (`30000/1001`). */
  frameRate?: Rational | null | undefined
  sampleRate?: number | undefined
  channels?: number | undefined
  channelLayout?: string | null | undefined
}

export interface VideoStreamInfo extends StreamInfo {
  type: 'video'
  width: number
  height: number
  pixelFormat: string | null
  frameRate: Rational | null
}

export interface AudioStreamInfo extends StreamInfo {
  type: 'audio'
  sampleRate: number
  channels: number
  channelLayout: string | null
}

export interface MediaInfo {
  formatName: string
  durationS: number | null
  sizeBytes: number | null
  bitRate: number | null
  streams: StreamInfo[]
  /** The first real video stream (not cover art). */
  video: VideoStreamInfo | null
  /** The first audio stream. */
  audio: AudioStreamInfo | null
  /** A single picture (PNG, JPEG, …), not a timed video. */
  still: boolean
}

type Json = Record<string, unknown>

function num (value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value !== 'string' || value.trim() === '' || value === 'N/A') return null
  const n = Number(value)
  return Number.isFinite(n) ? n : null
}

function str (value: unknown): string | null {
  return typeof value === 'string' && value !== '' && value !== 'unknown' ? value : null
}

export function parseRational (value: unknown): Rational | null {
  const match = /^(\d+)\/(\d+)$/.exec(typeof value === 'string' ? value : '')
  if (match == null) return null
  const n = Number(match[1])
  const d = Number(match[2])
  return n > 0 && d > 0 ? { num: n, den: d } : null
}

/** Matroska keeps stream durations in a `DURATION` tag: `00:00:02.000000000`. */
function tagDuration (tags: unknown): number | null {
  const raw = (tags as Json | undefined)?.DURATION ?? (tags as Json | undefined)?.duration
  const match = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(typeof raw === 'string' ? raw : '')
  if (match == null) return null
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3])
}

const STREAM_TYPES = new Set(['video', 'audio', 'subtitle', 'data', 'attachment'])

function parseStream (s: Json): StreamInfo {
  const type = STREAM_TYPES.has(s.codec_type as string) ? s.codec_type as StreamInfo['type'] : 'unknown'
  const stream: StreamInfo = {
    index: num(s.index) ?? 0,
    type,
    codec: str(s.codec_name),
    profile: str(s.profile),
    durationS: num(s.duration) ?? tagDuration(s.tags),
    bitRate: num(s.bit_rate),
    attachedPic: (s.disposition as Json | undefined)?.attached_pic === 1
  }
  if (type === 'video') {
    stream.width = num(s.width) ?? 0
    stream.height = num(s.height) ?? 0
    stream.pixelFormat = str(s.pix_fmt)
    stream.frameRate = parseRational(s.avg_frame_rate) ?? parseRational(s.r_frame_rate)
  }
  if (type === 'audio') {
    stream.sampleRate = num(s.sample_rate) ?? 0
    stream.channels = num(s.channels) ?? 0
    stream.channelLayout = str(s.channel_layout)
  }
  return stream
}

const STILL_FORMATS = /(^|,)(image2|\w+_pipe)(,|$)/

export function parseProbeJson (json: unknown): MediaInfo {
  if (typeof json !== 'object' || json === null) throw new FfprobeFailedError('not a JSON object')
  const root = json as Json
  const format = (root.format ?? {}) as Json
  const streams = Array.isArray(root.streams) ? (root.streams as Json[]).map(parseStream) : []
  const video = streams.find(s => s.type === 'video' && !s.attachedPic && (s.width ?? 0) > 0) as VideoStreamInfo | undefined
  const audio = streams.find(s => s.type === 'audio' && (s.sampleRate ?? 0) > 0) as AudioStreamInfo | undefined
  const formatName = str(format.format_name) ?? 'unknown'
  const known = streams.map(s => s.durationS).filter((d): d is number => d != null)
  return {
    formatName,
    durationS: num(format.duration) ?? (known.length > 0 ? Math.max(...known) : null),
    sizeBytes: num(format.size),
    bitRate: num(format.bit_rate),
    streams,
    video: video ?? null,
    audio: audio ?? null,
    still: STILL_FORMATS.test(formatName) && audio == null
  }
}

export function fps (rate: Rational): number {
  return rate.num / rate.den
}

/** `pts,dts,duration,pos,flags` lines (ffprobe's csv of packets); `N/A` is null. */
export function parsePacketCsv (text: string): Array<{ pts: number | null, dts: number | null, duration: number | null, pos: number | null, key: boolean }> {
  const packets = []
  for (const line of text.split('\n')) {
    const fields = line.trim().split(',')
    if (fields.length < 5) continue
    const [pts, dts, duration, pos, flags] = fields as [string, string, string, string, string]
    const int = (value: string): number | null => {
      const n = Number(value)
      return value !== '' && value !== 'N/A' && Number.isSafeInteger(n) ? n : null
    }
    packets.push({ pts: int(pts), dts: int(dts), duration: int(duration), pos: int(pos), key: flags.startsWith('K') })
  }
  return packets
}
