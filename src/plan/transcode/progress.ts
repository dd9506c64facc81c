import { CHUNK_TYPE } from './step-types.ts'

/**
 * The progress of a transcode in frames: the one line people read (frames
 * done of frames total, the cluster's frames per second, the time left) and
 * which chunks each node encodes. Pure: the CLI's live display and the
 * daemon's `job.progress` events compute it the same way from what they know
 * of each chunk.
 */

/** The video frames a step encodes, when known before it runs (a transcode's chunk); undefined otherwise. */
export function stepFrames (type: string, config: unknown): number | undefined {
  if (type !== CHUNK_TYPE) return undefined
  const frames = (config as { frames?: unknown } | null)?.frames
  return typeof frames === 'number' && Number.isInteger(frames) && frames >= 0 ? frames : undefined
}

/** Frames per second of a run that encoded `frames` in `durationMs`, to a tenth; null when the duration is not known. */
export function runFps (frames: number, durationMs: number | null | undefined): number | null {
  return durationMs != null && durationMs > 0 ? Math.round(frames / (durationMs / 1000) * 10) / 10 : null
}

export interface PartState {
  step: string
  /** Frames this part encodes. */
  frames: number
  /** `done`: encoded for this job; `cached`: found already made. */
  state: 'pending' | 'running' | 'done' | 'cached'
  /** 0..1 while running, when ffmpeg reports it. */
  fraction: number | null
  /** The node encoding it or that encoded it; null on this machine with no daemon, or not known. */
  peer: string | null
  /** When it started running (ms), if known. */
  startedAt: number | null
}

/** A step's state (as the socket names it) as a part's: encoded for this job, found cached, under way, or not yet. */
export function partStateOf (state: string): PartState['state'] {
  switch (state) {
    case 'completed':
      return 'done'
    case 'cached':
    case 'skipped':
      return 'cached'
    case 'running':
    case 'claimed':
      return 'running'
    default:
      return 'pending'
  }
}

export interface NodeParts {
  peer: string | null
  /** The parts it encodes now. */
  running: string[]
  /** How many it encoded for this job. */
  done: number
}

export interface FramesProgress {
  /** Frames done (finished parts, cached ones included, and the part of the running ones ffmpeg reported) of all. */
  frames: { done: number, total: number }
  /** Frames encoded per second since encoding began (cached ones left out); null until known. */
  fps: number | null
  /** Time left at that pace; null until known. */
  etaMs: number | null
  /** Per node that encodes or encoded a part, in order of first appearance. */
  nodes: NodeParts[]
}

/** No rate is given before the encoding has run this long: the first instants say nothing. */
const MIN_ELAPSED_MS = 1_000

/**
 * `since`: when encoding began (default: the earliest `startedAt` of the
 * parts). The rate is the frames encoded (not the cached ones) over the time
 * since then, so it covers every node at once.
 */
export function framesProgress (parts: readonly PartState[], now: number, since?: number | null): FramesProgress {
  let total = 0
  let done = 0
  let cached = 0
  let earliest: number | null = since ?? null
  const nodes = new Map<string, NodeParts>()
  const nodeOf = (peer: string | null): NodeParts => {
    const key = peer ?? ''
    let node = nodes.get(key)
    if (node === undefined) {
      node = { peer, running: [], done: 0 }
      nodes.set(key, node)
    }
    return node
  }
  for (const part of parts) {
    total += part.frames
    if (since == null && part.startedAt !== null && (earliest === null || part.startedAt < earliest)) earliest = part.startedAt
    switch (part.state) {
      case 'cached':
        done += part.frames
        cached += part.frames
        break
      case 'done':
        done += part.frames
        nodeOf(part.peer).done++
        break
      case 'running':
        done += Math.floor(part.frames * Math.min(1, Math.max(0, part.fraction ?? 0)))
        nodeOf(part.peer).running.push(part.step)
        break
      case 'pending':
        break
    }
  }
  const elapsed = earliest !== null ? now - earliest : 0
  const encoded = done - cached
  const fps = elapsed >= MIN_ELAPSED_MS && encoded > 0 ? encoded / (elapsed / 1000) : null
  const etaMs = fps !== null ? Math.round((total - done) / fps * 1000) : (total > 0 && done === total ? 0 : null)
  return { frames: { done, total }, fps, etaMs, nodes: [...nodes.values()] }
}
