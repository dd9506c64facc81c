/**
 * What a render reports while it runs: the progress display and `--json`
 * consumers read these. Times are milliseconds since the epoch.
 */
export type RenderEvent =
  /** `frames` in the list: the video frames a step encodes, when known before it runs (a transcode's chunk). */
  | { type: 'plan', steps: number, levels: number, planId: string, runId: string, recipe: string, list: Array<{ stepId: string, stepType: string, cacheId: string, frames?: number }> }
  | { type: 'step_cached', stepId: string, cacheId: string, cid: string }
  /** Not needed: every step that reads it is cached. */
  | { type: 'step_skipped', stepId: string, cacheId: string }
  | { type: 'step_started', stepId: string, cacheId: string, stepType: string, at: number }
  /** `frame`: video frames written so far by ffmpeg (null for sound alone). */
  | { type: 'step_progress', stepId: string, fraction: number | null, outTimeMs: number, speed: number | null, frame?: number | null }
  | { type: 'step_completed', stepId: string, cacheId: string, cid: string, durationMs: number }
  | { type: 'step_failed', stepId: string, cacheId: string, error: string }

export type RenderEventListener = (event: RenderEvent) => void

/** One step's outcome in a finished render. */
export interface StepReport {
  id: string
  type: string
  cacheId: string
  /** null only for a skipped step. */
  cid: string | null
  cached: boolean
  /** Not run and not looked up further: every step that reads it was cached. */
  skipped?: boolean
  /** Who produced the output: a peer id, or `local` for the embedded node. */
  producer: string
  startedAt: number | null
  finishedAt: number | null
  ffmpegRuns: number
  /** The CID of the run's ffmpeg log (its whole stderr), when it ran here. */
  log?: string
  /** The video frames it encodes, when known before it runs (a transcode's chunk). */
  frames?: number
}
