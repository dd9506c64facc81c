/**
 * Parses ffmpeg's `-progress` output: blocks of `key=value` lines, each ended
 * by `progress=continue` or `progress=end`. Pure: feed it chunks, get events.
 */
export interface ProgressEvent {
  /** Output time reached, in milliseconds. */
  outTimeMs: number
  /** 0…1 when the expected duration is known, else null; 1 once ffmpeg reports the end. */
  fraction: number | null
  /** Encoding speed relative to real time (2 = twice real time), null when ffmpeg does not know yet. */
  speed: number | null
  /** Video frames written so far, null for audio-only outputs. */
  frame: number | null
  done: boolean
}

/** `out_time_us` (newer), `out_time_ms` (microseconds despite the name) or `out_time=HH:MM:SS.micro`. */
function outTimeMs (block: Map<string, string>): number | null {
  for (const key of ['out_time_us', 'out_time_ms']) {
    const raw = block.get(key)
    if (raw != null && /^-?\d+$/.test(raw)) return Math.max(0, Number(raw) / 1000)
  }
  const clock = /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(block.get('out_time') ?? '')
  if (clock != null) {
    if (clock[1] === '-') return 0
    return (Number(clock[2]) * 3600 + Number(clock[3]) * 60 + Number(clock[4])) * 1000
  }
  return null
}

export class ProgressParser {
  private readonly expectedMs: number | null
  private partial = ''
  private block = new Map<string, string>()
  private lastOutTimeMs = 0

  /** @param expectedDurationMs the output's expected duration, for `fraction` */
  constructor (expectedDurationMs?: number | null) {
    this.expectedMs = expectedDurationMs != null && expectedDurationMs > 0 ? expectedDurationMs : null
  }

  push (chunk: string): ProgressEvent[] {
    const lines = (this.partial + chunk).split('\n')
    this.partial = lines.pop() ?? ''
    const events: ProgressEvent[] = []
    for (const raw of lines) {
      const line = raw.trim()
      const eq = line.indexOf('=')
      if (eq <= 0) continue
      const key = line.slice(0, eq).trim()
      const value = line.slice(eq + 1).trim()
      if (key !== 'progress') {
        this.block.set(key, value)
        continue
      }
      events.push(this.finish(value === 'end'))
    }
    return events
  }

  private finish (done: boolean): ProgressEvent {
    const block = this.block
    this.block = new Map()
    const out = outTimeMs(block)
    // ffmpeg reports N/A or a stale value early on; time never goes backwards.
    if (out != null && out > this.lastOutTimeMs) this.lastOutTimeMs = out
    const speedMatch = /^(\d+(?:\.\d+)?)x$/.exec(block.get('speed') ?? '')
    const frameRaw = block.get('frame')
    const frame = frameRaw != null && /^\d+$/.test(frameRaw) ? Number(frameRaw) : null
    let fraction: number | null = null
    if (done) fraction = 1
    else if (this.expectedMs != null) fraction = Math.min(1, this.lastOutTimeMs / this.expectedMs)
    return {
      outTimeMs: Math.round(this.lastOutTimeMs),
      fraction,
      speed: speedMatch?.[1] != null ? Number(speedMatch[1]) : null,
      frame,
      done
    }
  }
}
