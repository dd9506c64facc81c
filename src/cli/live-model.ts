import type { StepState } from '../api/index.ts'
import { framesProgress, partStateOf } from '../plan/light/index.ts'
import type { FramesProgress, PartState } from '../plan/light/index.ts'

/**
 * The one model behind every live display of a render, on this machine or on
 * a cluster: each step's state, node, start, fraction done and takeovers.
 * Sources (./live-sources.ts) turn the engine's render events, or a daemon's
 * job and its event stream, into `LiveUpdate`s; views (./live-view.ts) draw
 * it. Pure: the time of each update is given.
 */

export interface LiveStep {
  step: string
  type: string
  cacheId: string
  state: StepState
  /** The node running it or that produced it; null on this machine with no daemon, or not yet known. */
  peer: string | null
  /** When it started running (this machine's clock); null until then. */
  startedAt: number | null
  finishedAt: number | null
  /** 0..1 when ffmpeg knows the length; null otherwise. */
  fraction: number | null
  /** Times another node took its lease over after its holder went silent. */
  takeovers: number
  /** Its run checks a result another node already reported (`trust.confirmations`). */
  confirming: boolean
  error: string | null
  /** The video frames it encodes, when known before it runs (a transcode's chunk). */
  frames: number | null
}

export type LiveUpdate =
  /** The steps to show, in plan order, with what is known of them. */
  | { kind: 'steps', recipe: string, at: number, steps: Array<Pick<LiveStep, 'step' | 'type' | 'cacheId'> & Partial<Pick<LiveStep, 'state' | 'peer' | 'frames'>>> }
  | { kind: 'state', at: number, step: string, state: StepState, peer?: string | null | undefined, takeover?: boolean | undefined, confirm?: boolean | undefined, error?: string | undefined }
  | { kind: 'progress', at: number, step: string, fraction: number | null, startedAt?: number | undefined }
  | { kind: 'job', at: number, state: 'completed' | 'failed' | 'cancelled', error?: string | undefined }

const FINAL: ReadonlySet<StepState> = new Set(['completed', 'cached', 'failed', 'skipped', 'cancelled'])

export function isFinal (state: StepState): boolean {
  return FINAL.has(state)
}

export class LiveModel {
  recipe = ''
  readonly startedAt: number
  state: 'running' | 'completed' | 'failed' | 'cancelled' = 'running'
  error: string | null = null
  readonly steps = new Map<string, LiveStep>()

  constructor (startedAt: number) {
    this.startedAt = startedAt
  }

  /** Applies one update; returns the steps whose state changed (for a line-per-event view). */
  apply (update: LiveUpdate): LiveStep[] {
    switch (update.kind) {
      case 'steps': {
        this.recipe = update.recipe
        const changed: LiveStep[] = []
        for (const s of update.steps) {
          const known = this.steps.get(s.step)
          if (known === undefined) {
            const step: LiveStep = { ...s, state: s.state ?? 'pending', peer: s.peer ?? null, startedAt: null, finishedAt: null, fraction: null, takeovers: 0, confirming: false, error: null, frames: s.frames ?? null }
            if (step.state === 'running') step.startedAt = update.at
            this.steps.set(s.step, step)
            if (step.state !== 'pending') changed.push(step)
            continue
          }
          if (s.frames != null) known.frames = s.frames
          if (s.state !== undefined && s.state !== known.state) {
            changed.push(...this.apply({ kind: 'state', at: update.at, step: s.step, state: s.state, peer: s.peer }))
          }
        }
        return changed
      }
      case 'state': {
        const step = this.steps.get(update.step)
        if (step === undefined) return []
        if (isFinal(step.state) && !(step.state === 'failed' && update.state !== 'failed')) return []
        const moved = step.state !== update.state || update.takeover === true || (update.peer != null && update.peer !== step.peer)
        if (update.takeover === true) step.takeovers++
        if (update.state === 'claimed') step.confirming = update.confirm === true
        if (update.peer !== undefined && update.peer !== null) step.peer = update.peer
        if (update.state === 'running' && step.state !== 'running') {
          step.startedAt = update.at
          step.fraction = null
        }
        // Claimed again (a takeover) or back to pending: the next run starts from nothing.
        if ((update.state === 'claimed' || update.state === 'pending') && step.state === 'running') {
          step.startedAt = null
          step.fraction = null
        }
        if (isFinal(update.state)) step.finishedAt = update.at
        // A step that did not finish keeps the fraction it reached: an interrupted bar never jumps to 100 %.
        if (update.state === 'completed') step.fraction = 1
        if (update.error !== undefined) step.error = update.error
        step.state = update.state
        return moved ? [step] : []
      }
      case 'progress': {
        const step = this.steps.get(update.step)
        if (step === undefined || isFinal(step.state)) return []
        if (step.state !== 'running') {
          step.state = 'running'
          step.startedAt = update.startedAt ?? update.at
        } else if (update.startedAt !== undefined && step.startedAt === null) {
          step.startedAt = update.startedAt
        }
        if (update.fraction !== null) step.fraction = Math.max(step.fraction ?? 0, Math.min(1, update.fraction))
        return []
      }
      case 'job':
        this.state = update.state
        if (update.error !== undefined) this.error = update.error
        return []
    }
  }

  counts (): { total: number, done: number, cached: number, running: number, failed: number } {
    let done = 0
    let cached = 0
    let running = 0
    let failed = 0
    for (const s of this.steps.values()) {
      if (s.state === 'completed' || s.state === 'cached' || s.state === 'skipped') done++
      if (s.state === 'cached') cached++
      if (s.state === 'running' || s.state === 'claimed') running++
      if (s.state === 'failed') failed++
    }
    return { total: this.steps.size, done, cached, running, failed }
  }

  /**
   * A transcode's progress in frames (its chunks: the steps whose frames are
   * known), or null when the render has none.
   */
  frames (now: number): FramesProgress | null {
    const parts: PartState[] = []
    for (const s of this.steps.values()) {
      if (s.frames === null) continue
      parts.push({ step: s.step, frames: s.frames, state: partStateOf(s.state), fraction: s.state === 'running' ? s.fraction : null, peer: s.peer, startedAt: s.startedAt })
    }
    return parts.length > 0 ? framesProgress(parts, now) : null
  }

  /** The steps being worked on: claimed or running. */
  active (): LiveStep[] {
    return [...this.steps.values()].filter(s => s.state === 'running' || s.state === 'claimed')
  }
}

/** Time left for a running step, from its fraction and elapsed time; null when not known yet. */
export function stepEtaMs (step: LiveStep, now: number): number | null {
  if (step.state !== 'running' || step.startedAt === null || step.fraction === null || step.fraction < 0.02 || step.fraction >= 1) return null
  const elapsed = now - step.startedAt
  return Math.max(0, elapsed * (1 - step.fraction) / step.fraction)
}
