import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { fromApiEvent, fromJobDetail, fromRenderEvent } from '../../../src/cli/live-sources.ts'
import { createLiveView, framesLine, nodeLines } from '../../../src/cli/live-view.ts'
import { LiveModel, stepEtaMs } from '../../../src/cli/live-model.ts'
import { chunkLines, jobText } from '../../../src/cli/job-format.ts'
import type { JobDetail } from '../../../src/api/schemas.ts'

/** The one live display of a render: its model fed from either source, and its two views. */

const PEER = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const OTHER = '12D3KooWSVJhJPJMGnKV7ph7ZfMwdb8TjhvfNgCFHcgRcuNAB3gP'
const A = 'a'.repeat(64)

function job (state: JobDetail['state'], stepState: JobDetail['steps'][number]['state']): JobDetail {
  return {
    id: 'bagu1',
    state,
    recipe: 'r',
    label: null,
    submittedBy: PEER,
    submittedAt: 0,
    updatedAt: 0,
    progress: { total: 1, done: 0, cached: 0, running: 0, failed: 0 },
    output: null,
    provenance: null,
    pinnedBy: [],
    error: null,
    steps: [{ step: 'long', type: 'generate', cacheId: A, state: stepState, peer: PEER, attempts: 1, durationMs: null, cached: false, cid: null, error: null }],
    mismatches: []
  }
}

function stream (): PassThrough & { text: () => string } {
  const out = new PassThrough() as PassThrough & { text: () => string }
  let text = ''
  out.on('data', (chunk: Buffer) => {
    text += chunk.toString()
  })
  out.text = () => text
  return out
}

describe('the live display', () => {
  it('follows a cluster job: progress from heartbeats, a takeover marked, the node that took it', () => {
    const steps = new Map([[A, ['long']]])
    const model = new LiveModel(0)
    for (const u of fromJobDetail(job('running', 'running'), 1000)) model.apply(u)
    for (const u of fromApiEvent({ type: 'heartbeat', time: 2000, peer: PEER, slots: 1, running: 1, leases: 1, jobs: 1, steps: [{ cacheId: A, startedAt: 1000, progress: 0.25 }] }, 'bagu1', steps, 2000)) model.apply(u)
    const step = model.steps.get('long')
    expect(step).toMatchObject({ state: 'running', fraction: 0.25, peer: PEER, takeovers: 0 })
    // 1 s for a quarter: 3 s to go.
    expect(stepEtaMs(step!, 2000)).toBe(3000)
    const claimed = { type: 'step.claimed' as const, time: 3000, job: 'bagu1', step: 'long', jobs: ['bagu1'], cacheId: A, peer: OTHER, epoch: 2, attempt: 0, reason: 'takeover' }
    const changed = fromApiEvent(claimed, 'bagu1', steps, 3000).flatMap(u => model.apply(u))
    expect(changed.map(s => [s.state, s.peer, s.takeovers])).toEqual([['claimed', OTHER, 1]])
    // Another job's events are not this one's.
    expect(fromApiEvent({ ...claimed, job: 'bagu2', jobs: ['bagu2'] }, 'bagu1', steps, 3000)).toEqual([])
  })

  it('prints a line per event when not a terminal: the takeover, quarters of progress, the end', () => {
    const out = stream()
    let now = 0
    const view = createLiveView(out, { mode: 'plain', now: () => now })
    view.update({ kind: 'steps', recipe: 'r', at: 0, steps: [{ step: 'long', type: 'generate', cacheId: A }] })
    view.update({ kind: 'state', at: 0, step: 'long', state: 'running', peer: PEER })
    now = 1000
    view.update({ kind: 'progress', at: 1000, step: 'long', fraction: 0.3 })
    view.update({ kind: 'state', at: 1500, step: 'long', state: 'claimed', peer: OTHER, takeover: true })
    now = 4000
    view.update({ kind: 'state', at: 4000, step: 'long', state: 'completed', peer: OTHER })
    expect(out.text()).toBe([
      '0:00 r: 1 step',
      `0:00 long (generate) running on …${PEER.slice(-6)}`,
      `0:01 long (generate) 25% ETA 0:02 on …${PEER.slice(-6)}`,
      `0:01 long (generate) claimed on …${OTHER.slice(-6)} (taken over)`,
      `0:04 long (generate) completed on …${OTHER.slice(-6)} (taken over)`,
      ''
    ].join('\n'))
  })

  it('says a second run checks the first result (trust.confirmations), not that the step was claimed twice', () => {
    const steps = new Map([[A, ['long']]])
    const out = stream()
    const view = createLiveView(out, { mode: 'plain', now: () => 0 })
    view.update({ kind: 'steps', recipe: 'r', at: 0, steps: [{ step: 'long', type: 'generate', cacheId: A }] })
    const claimed = { type: 'step.claimed' as const, time: 0, job: 'bagu1', step: 'long', jobs: ['bagu1'], cacheId: A, peer: PEER, epoch: 1, attempt: 0 }
    for (const u of fromApiEvent(claimed, 'bagu1', steps, 0)) view.update(u)
    for (const u of fromApiEvent({ ...claimed, peer: OTHER, epoch: 2, reason: 'confirm' }, 'bagu1', steps, 0)) view.update(u)
    for (const u of fromApiEvent({ ...claimed, type: 'step.completed', peer: OTHER, epoch: 2 }, 'bagu1', steps, 0)) view.update(u)
    view.stop()
    expect(out.text().split('\n').slice(1, 4)).toEqual([
      `0:00 long (generate) claimed on …${PEER.slice(-6)}`,
      `0:00 long (generate) claimed on …${OTHER.slice(-6)} (confirming the first result)`,
      `0:00 long (generate) completed on …${OTHER.slice(-6)}`
    ])
  })

  it('keeps an interrupted step where it was: its bar never jumps to 100 %', () => {
    const model = new LiveModel(0)
    for (
      const e of [
        { type: 'plan' as const, steps: 1, levels: 1, planId: 'p', runId: 'r', recipe: 'r', list: [{ stepId: 'long', stepType: 'generate', cacheId: A }] },
        { type: 'step_started' as const, stepId: 'long', cacheId: A, stepType: 'generate', at: 0 },
        { type: 'step_progress' as const, stepId: 'long', fraction: 0.4, outTimeMs: 400, speed: 1 },
        { type: 'step_failed' as const, stepId: 'long', cacheId: A, error: 'aborted' }
      ]
    ) {
      const update = fromRenderEvent(e, 10)
      if (update !== undefined) model.apply(update)
    }
    expect(model.steps.get('long')).toMatchObject({ state: 'failed', fraction: 0.4 })
  })

  it('marks the steps a cancelled job left as cancelled, and draws nothing with --json', () => {
    const model = new LiveModel(0)
    for (const u of fromJobDetail(job('cancelled', 'cancelled'), 0)) model.apply(u)
    expect(model.state).toBe('cancelled')
    const out = stream()
    const view = createLiveView(out, { mode: 'off' })
    view.update({ kind: 'steps', recipe: 'r', at: 0, steps: [{ step: 'x', type: 't', cacheId: A }] })
    view.stop()
    expect(out.text()).toBe('')
  })

  it('draws a transcode as one frames line and a line per node with the chunks it encodes (a terminal)', () => {
    const out = stream() as ReturnType<typeof stream> & { isTTY: boolean, columns: number }
    out.isTTY = true
    out.columns = 120
    let now = 0
    const view = createLiveView(out, { mode: 'tty', now: () => now, tickMs: 60_000 })
    const chunk = (i: number) => ({ step: `film-chunk-00${i}`, type: 'transcode_chunk', cacheId: String(i).repeat(64), frames: 100 })
    view.update({ kind: 'steps', recipe: 'transcode', at: 0, steps: [chunk(0), chunk(1), chunk(2), chunk(3), { step: 'film', type: 'transcode_join', cacheId: 'j'.repeat(64) }] })
    view.update({ kind: 'state', at: 0, step: 'film-chunk-000', state: 'cached' })
    view.update({ kind: 'state', at: 1000, step: 'film-chunk-001', state: 'running', peer: PEER })
    view.update({ kind: 'state', at: 1000, step: 'film-chunk-002', state: 'running', peer: OTHER })
    now = 3000
    view.update({ kind: 'state', at: 3000, step: 'film-chunk-001', state: 'completed', peer: PEER })
    view.update({ kind: 'progress', at: 3000, step: 'film-chunk-002', fraction: 0.5 })
    view.update({ kind: 'state', at: 3000, step: 'film-chunk-003', state: 'running', peer: PEER })
    const frames = view.model.frames(now)!
    // 100 cached, 100 done, 50 of the running one: 150 encoded in 2 s.
    expect(framesLine(frames)).toBe('frames 250/400 (62%) · 75.0 fps · ETA 0:02')
    expect(nodeLines(frames, step => view.model.steps.get(step)?.fraction ?? null)).toEqual([
      `  …${PEER.slice(-6)}  encoding chunk-003 · 1 done`,
      `  …${OTHER.slice(-6)}  encoding chunk-002 50%`
    ])
    // The block drawn last: totals, the frames line, the nodes; chunks have no line of their own.
    const block = out.text().split('\x1b[0J').at(-1)!.trim().split('\n')
    expect(block.slice(1)).toEqual([framesLine(frames), ...nodeLines(frames, step => view.model.steps.get(step)?.fraction ?? null)])
    view.stop()
  })

  it('prints the frames line at each tenth of a transcode when not a terminal; with no daemon the node is "here"', () => {
    const out = stream()
    let now = 0
    const view = createLiveView(out, { mode: 'plain', now: () => now })
    view.update({ kind: 'steps', recipe: 'transcode', at: 0, steps: [{ step: 'film-chunk-000', type: 'transcode_chunk', cacheId: A, frames: 200 }] })
    view.update({ kind: 'state', at: 0, step: 'film-chunk-000', state: 'running' })
    now = 2000
    view.update({ kind: 'progress', at: 2000, step: 'film-chunk-000', fraction: 0.1 })
    now = 4000
    view.update({ kind: 'progress', at: 4000, step: 'film-chunk-000', fraction: 0.35 })
    const lines = out.text().split('\n').filter(line => line.includes('frames '))
    expect(lines).toEqual(['0:02 frames 20/200 (10%) · 10.0 fps · ETA 0:18', '0:04 frames 70/200 (35%) · 17.5 fps · ETA 0:07'])
    expect(nodeLines(view.model.frames(now)!)).toEqual(['  here     encoding chunk-000'])
  })

  it("lists a transcode's chunks in artdag job: frames, each chunk's speed, and per node", () => {
    const chunkStep = (i: number, peer: string, state: 'completed' | 'cached', durationMs: number | null, fps: number | null) => ({
      step: `film-chunk-00${i}`,
      type: 'transcode_chunk',
      cacheId: String(i).repeat(64),
      state,
      peer,
      attempts: 1,
      durationMs,
      cached: state === 'cached',
      cid: null,
      error: null,
      frames: 50,
      fps
    })
    const detail: JobDetail = {
      ...job('running', 'running'),
      progress: { total: 4, done: 3, cached: 1, running: 1, failed: 0, frames: { done: 150, total: 200 } },
      steps: [chunkStep(0, PEER, 'cached', null, null), chunkStep(1, PEER, 'completed', 1000, 50), chunkStep(2, OTHER, 'completed', 500, 100), chunkStep(3, PEER, 'completed', 1000, 50)]
    }
    expect(chunkLines(detail)).toEqual([`…${PEER.slice(-6)}: 2 chunks, 100 frames at 50.0 fps`, `…${OTHER.slice(-6)}: 1 chunk, 50 frames at 100.0 fps`, '1 cached'])
    const text = jobText(detail)
    expect(text).toContain('frames      150/200 in finished chunks')
    expect(text).toMatch(/STEP\s+TYPE\s+STATE\s+NODE\s+RUNS\s+DURATION\s+SPEED\s+CID/)
    expect(text).toMatch(/film-chunk-002\s+transcode_chunk\s+completed\s+…\w{6}\s+1\s+500 ms\s+100 fps/)
  })
})
