import { describe, expect, it } from 'vitest'
import { framesProgress, partStateOf, runFps, stepFrames } from '../../../src/plan/index.ts'
import type { PartState } from '../../../src/plan/index.ts'

/** A transcode's progress in frames: what the live display and `job.progress` events show. */

const part = (step: string, state: PartState['state'], extra: Partial<PartState> = {}): PartState => ({ step, frames: 100, state, fraction: null, peer: null, startedAt: null, ...extra })

describe('framesProgress', () => {
  it('counts finished chunks, cached ones and the reported part of running ones; the pace leaves cached frames out', () => {
    const progress = framesProgress([
      part('c0', 'cached'),
      part('c1', 'done', { peer: 'a', startedAt: 1_000 }),
      part('c2', 'running', { peer: 'a', fraction: 0.5, startedAt: 3_000 }),
      part('c3', 'running', { peer: 'b', fraction: 0.25, startedAt: 3_000 }),
      part('c4', 'pending')
    ], 6_000)
    // 100 cached + 100 done + 50 + 25 of 500.
    expect(progress.frames).toEqual({ done: 275, total: 500 })
    // 175 frames encoded in the 5 s since the first chunk began: 35 fps, 225 frames to go.
    expect(progress.fps).toBe(35)
    expect(progress.etaMs).toBe(Math.round(225 / 35 * 1000))
    expect(progress.nodes).toEqual([{ peer: 'a', running: ['c2'], done: 1 }, { peer: 'b', running: ['c3'], done: 0 }])
  })

  it('gives no pace in the first second, or with nothing encoded yet; a given start wins over the parts', () => {
    expect(framesProgress([part('c0', 'running', { fraction: 0.1, startedAt: 1_000 })], 1_500).fps).toBeNull()
    expect(framesProgress([part('c0', 'cached'), part('c1', 'pending')], 10_000)).toMatchObject({ fps: null, etaMs: null })
    expect(framesProgress([part('c0', 'done', { startedAt: 9_000 })], 10_000, 0).fps).toBe(10)
    // All done: nothing left.
    expect(framesProgress([part('c0', 'cached')], 10_000).etaMs).toBe(0)
  })

  it("knows a chunk's frames from its config, and maps the socket's step states", () => {
    expect(stepFrames('transcode_chunk', { frames: 250 })).toBe(250)
    expect(stepFrames('transcode_join', { frames: 250 })).toBeUndefined()
    expect(stepFrames('transcode_chunk', {})).toBeUndefined()
    expect(['pending', 'claimed', 'running', 'completed', 'cached', 'failed', 'skipped', 'cancelled'].map(partStateOf))
      .toEqual(['pending', 'running', 'running', 'done', 'cached', 'pending', 'cached', 'pending'])
    expect(runFps(250, 2_000)).toBe(125)
    expect(runFps(100, 3_000)).toBe(33.3)
    expect(runFps(100, null)).toBeNull()
  })
})
