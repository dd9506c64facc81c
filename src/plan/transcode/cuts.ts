import type { VideoFacts } from './analysis.ts'

/** One chunk of the video: frames shown in [startPts, endPts); the last runs to the end (endPts null). */
export interface Chunk {
  index: number
  startPts: number
  endPts: number | null
  /** Ticks from startPts to the next chunk's start (or the end of the stream). */
  durationTicks: number
  /** Frames in presentation order that fall in it. */
  frames: number
  /** Byte position of its first keyframe, when known. */
  pos: number | null
}

/**
 * Where to cut: at clean keyframes, each cut the one nearest to a chunk's
 * target length after the previous cut. The last chunk takes the rest when
 * that is under one and a half targets, so no tiny chunk ends the file. With
 * no usable keyframes (or no timestamps) the whole stream is one chunk.
 * Deterministic: the same facts and target give the same chunks.
 */
export function chooseChunks (video: VideoFacts, targetSeconds: number, maxChunks: number): Chunk[] {
  const [num, den] = video.timeBase
  const whole = video.endPts - video.startPts
  const single: Chunk[] = [{ index: 0, startPts: video.startPts, endPts: null, durationTicks: Math.max(1, whole), frames: video.frames, pos: null }]
  if (!video.timestamps || whole <= 0) return single

  // Ticks per target; a source longer than maxChunks targets gets longer chunks.
  const target = Math.max(targetSeconds * den / num, whole / maxChunks)
  const candidates = video.keyframes.filter(k => k.clean && k.pts > video.startPts && k.pts < video.endPts)
  const cuts: Array<{ pts: number, frame: number, pos: number | null }> = []
  let start = video.startPts
  let next = 0
  while (cuts.length < maxChunks - 1 && video.endPts - start >= 1.5 * target) {
    const want = start + target
    // candidates are sorted by pts: skip those at or before start, then take the nearest to want.
    while (next < candidates.length && (candidates[next]?.pts as number) <= start) next++
    if (next >= candidates.length) break
    let best = next
    for (let i = next + 1; i < candidates.length; i++) {
      const k = candidates[i] as VideoFacts['keyframes'][number]
      if (Math.abs(k.pts - want) < Math.abs((candidates[best] as VideoFacts['keyframes'][number]).pts - want)) best = i
      if (k.pts > want) break
    }
    const cut = candidates[best] as VideoFacts['keyframes'][number]
    // A cut leaving less than half a target at the end is not worth a chunk.
    if (video.endPts - cut.pts < target / 2) break
    cuts.push({ pts: cut.pts, frame: cut.frame, pos: cut.pos })
    start = cut.pts
    next = best + 1
  }
  if (cuts.length === 0) return single

  const firstKey = video.keyframes.find(k => k.pts === video.startPts)
  const bounds = [{ pts: video.startPts, frame: 0, pos: firstKey?.pos ?? null }, ...cuts]
  return bounds.map((b, i) => {
    const after = bounds[i + 1]
    return {
      index: i,
      startPts: b.pts,
      endPts: after?.pts ?? null,
      durationTicks: (after?.pts ?? video.endPts) - b.pts,
      frames: (after?.frame ?? video.frames) - b.frame,
      pos: b.pos
    }
  })
}
