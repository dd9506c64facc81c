import { z } from 'zod'

/**
 * The facts a transcode is planned from: what the `analyze` step writes with
 * `keyframes: true` (streams, and the video stream's keyframes with their
 * times, byte positions and frame numbers), stored by CID. Pure: the packet
 * table comes from ffprobe in src/exec/, the expansion reads the facts here.
 */

/** A video packet as ffprobe lists it (`-show_packets`), in decode order. Times in ticks of the stream's time base. */
export interface PacketFact {
  pts: number | null
  dts: number | null
  duration: number | null
  /** Byte position in the file, when the demuxer knows it. */
  pos: number | null
  key: boolean
}

export interface KeyframeFact {
  pts: number
  pos: number | null
  /** Its number in presentation order: how many frames come before it. */
  frame: number
  /**
   * A clean cut: every frame before it in decode order is shown before it,
   * and every frame after it is shown after it (no open-GOP leading frames),
   * so the frames from here decode on their own, in the same order.
   */
  clean: boolean
}

export interface VideoFacts {
  /** The stream's index in the file. */
  stream: number
  codec: string | null
  width: number
  height: number
  timeBase: [number, number]
  /** Packets of the stream (frames). */
  frames: number
  /** The earliest presentation time, and the end of the last frame. */
  startPts: number
  endPts: number
  /** False when some packets carry no presentation time (raw streams): such a source is not cut. */
  timestamps: boolean
  /** The smallest gap between two frames' presentation times, in ticks (1 when unknown). */
  minFrameTicks: number
  keyframes: KeyframeFact[]
}

export interface AudioFacts {
  stream: number
  codec: string | null
  sampleRate: number
  channels: number
}

export const keyframeFactSchema = z.strictObject({
  pts: z.number().int(),
  pos: z.number().int().min(0).nullable(),
  frame: z.number().int().min(0),
  clean: z.boolean()
})

export const videoFactsSchema = z.strictObject({
  stream: z.number().int().min(0),
  codec: z.string().nullable(),
  width: z.number().int().min(0),
  height: z.number().int().min(0),
  timeBase: z.tuple([z.number().int().min(1), z.number().int().min(1)]),
  frames: z.number().int().min(0),
  startPts: z.number().int(),
  endPts: z.number().int(),
  timestamps: z.boolean(),
  minFrameTicks: z.number().int().min(1),
  keyframes: z.array(keyframeFactSchema)
})

export const audioFactsSchema = z.strictObject({
  stream: z.number().int().min(0),
  codec: z.string().nullable(),
  sampleRate: z.number().int().min(1),
  channels: z.number().int().min(0)
})

/** What the expansion reads from an analysis document (other fields are ignored). */
export const transcodeFactsSchema = z.object({
  format: z.object({ name: z.string(), durationS: z.number().nullable() }),
  video: videoFactsSchema.nullable(),
  audio: audioFactsSchema.nullable()
})

export type TranscodeFacts = z.output<typeof transcodeFactsSchema>

/** The gaps between consecutive presentation times, sorted. */
function frameGaps (sortedPts: readonly number[]): number[] {
  const gaps: number[] = []
  for (let i = 1; i < sortedPts.length; i++) {
    const gap = (sortedPts[i] as number) - (sortedPts[i - 1] as number)
    if (gap > 0) gaps.push(gap)
  }
  return gaps.sort((a, b) => a - b)
}

/**
 * The video facts from the packet table (decode order). A keyframe is clean
 * when the packets before it in decode order are exactly the frames shown
 * before it: the largest presentation time before it is smaller than its own,
 * and the smallest after it is not.
 */
export function videoFactsOf (stream: { index: number, codec: string | null, width: number, height: number, timeBase: [number, number] }, packets: readonly PacketFact[]): VideoFacts {
  const timestamps = packets.length > 0 && packets.every(p => p.pts != null)
  const base = { stream: stream.index, codec: stream.codec, width: stream.width, height: stream.height, timeBase: stream.timeBase, frames: packets.length }
  if (!timestamps) return { ...base, startPts: 0, endPts: 0, timestamps: false, minFrameTicks: 1, keyframes: [] }

  const pts = packets.map(p => p.pts as number)
  const sorted = [...pts].sort((a, b) => a - b)
  // suffixMin[i]: the smallest pts at decode position i or later.
  const suffixMin = new Float64Array(pts.length + 1)
  suffixMin[pts.length] = Number.POSITIVE_INFINITY
  for (let i = pts.length - 1; i >= 0; i--) suffixMin[i] = Math.min(pts[i] as number, suffixMin[i + 1] as number)

  // A frame's presentation number: its rank among the sorted times (times are distinct in any valid stream).
  const rank = new Map<number, number>()
  sorted.forEach((t, i) => {
    if (!rank.has(t)) rank.set(t, i)
  })

  const keyframes: KeyframeFact[] = []
  let prefixMax = Number.NEGATIVE_INFINITY
  packets.forEach((packet, i) => {
    const t = pts[i] as number
    if (packet.key) {
      const clean = prefixMax < t && (suffixMin[i + 1] as number) >= t
      keyframes.push({ pts: t, pos: packet.pos, frame: rank.get(t) as number, clean })
    }
    prefixMax = Math.max(prefixMax, t)
  })
  keyframes.sort((a, b) => a.pts - b.pts)

  const last = sorted.at(-1) as number
  const lastPacket = packets[pts.lastIndexOf(last)] as PacketFact
  const gaps = frameGaps(sorted)
  // A last frame that states no length lasts as long as a typical (the median) frame.
  const typical = gaps.length > 0 ? gaps[Math.floor(gaps.length / 2)] as number : 1
  const lastDuration = lastPacket.duration != null && lastPacket.duration > 0 ? lastPacket.duration : typical
  return { ...base, startPts: sorted[0] as number, endPts: last + lastDuration, timestamps: true, minFrameTicks: gaps[0] ?? 1, keyframes }
}
