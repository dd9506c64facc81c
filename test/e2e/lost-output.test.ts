import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ffprobe, gatedFfmpeg, videoFrames } from './helpers/cli.ts'
import type { GatedFfmpeg } from './helpers/cli.ts'
import { eventually, initHomes, startCluster, waitForCluster } from './helpers/daemon.ts'
import type { Daemon } from './helpers/daemon.ts'
import { metric } from './helpers/hostile.ts'
import type { JobDetail } from '../../src/api/index.ts'

/**
 * Issue 10, "resumable", for a step's output lost with its producer, on three
 * real daemons: `both` joins two generated clips, `x` and `y`. x is made, and
 * its producer is killed (kill -9) before any other node holds a copy (y is
 * held at a gate meanwhile, so nothing reads x yet). Then y is let go: the run
 * of `both` cannot fetch x, which is no attempt at `both`; every node forgets
 * x, x runs again on a live node, then `both`, and the job completes with a
 * correct output. Nothing else runs again.
 */
const X_TONE = 1701
const Y_TONE = 1702
const RECIPE = `version: 1
name: lost-output
nodes:
  x: { type: generate, config: { duration: 1, width: 160, height: 90, frequency: ${X_TONE} } }
  y: { type: generate, config: { duration: 1, width: 160, height: 90, frequency: ${Y_TONE} } }
  both: { type: sequence, inputs: [x, y] }
output: both
`

let dir: string
let gate: GatedFfmpeg
let daemons: Daemon[]

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-lost-output-'))
  gate = await gatedFfmpeg(dir)
  const names = ['a', 'b', 'c']
  const homes = await initHomes(dir, names)
  // One step at a time per node: x and y run on two nodes.
  daemons = await startCluster(homes, { nodeEnv: i => ({ GATE_NODE: names[i]!, ARTDAG_FFMPEG: gate.path, ARTDAG_EXEC__SLOTS: '1' }) })
  await waitForCluster(daemons)
}, 120_000)

afterAll(async () => {
  await gate?.release(X_TONE)
  await gate?.release(Y_TONE)
  await Promise.all((daemons ?? []).map(async d => {
    await d.stop()
  }))
  await rm(dir, { recursive: true, force: true })
})

describe('a step output lost with its producer', () => {
  it('is made again on a live node, then the step that reads it runs, and the job completes', async () => {
    const [a] = daemons as [Daemon, Daemon, Daemon]
    const file = join(dir, 'lost-output.yaml')
    await writeFile(file, RECIPE)
    await gate.hold(X_TONE)
    await gate.hold(Y_TONE)
    const { id } = await a.json<{ id: string }>(['submit', file], { cwd: dir })
    // Both run at once, so on two nodes (one slot each); then x is let go, made and announced.
    await eventually(async () => (await gate.runs(X_TONE)).length > 0 && (await gate.runs(Y_TONE)).length > 0, { timeoutMs: 90_000, what: 'x and y to start' })
    await gate.release(X_TONE)
    const x = await eventually(async () => {
      const step = (await a.json<JobDetail>(['job', id])).steps.find(s => s.step === 'x')
      return step?.state === 'completed' && step.peer !== null ? step : undefined
    }, { timeoutMs: 60_000, what: 'x to be made while y is held' })
    const producer = daemons.find(d => d.peerId === x.peer)!
    expect(producer.env.GATE_NODE).not.toBe((await gate.runs(Y_TONE))[0])
    // Nobody read x yet: its only copy dies with its producer.
    expect(await gate.stepRuns('both')).toEqual([])
    await producer.kill()
    const live = daemons.filter(d => d !== producer)
    const watcher = live[0]!

    await gate.release(Y_TONE)
    const job = await eventually(async () => {
      const j = await watcher.json<JobDetail>(['job', id])
      return j.state !== 'running' ? j : undefined
    }, { timeoutMs: 180_000, intervalMs: 500, what: 'the job to end after x was lost' })
    expect(job.state, job.error ?? '').toBe('completed')

    // x ran again, on a live node; y and both ran once each (both's failed run could not start ffmpeg).
    const xRuns = await gate.runs(X_TONE)
    expect(xRuns).toHaveLength(2)
    expect(xRuns[0]).toBe(producer.env.GATE_NODE)
    expect(live.map(d => d.env.GATE_NODE)).toContain(xRuns[1])
    expect(await gate.runs(Y_TONE)).toHaveLength(1)
    expect(await gate.stepRuns('both')).toHaveLength(1)
    expect(job.steps.find(s => s.step === 'x')?.peer).not.toBe(producer.peerId)
    // The run that could not fetch x was no attempt at `both`.
    expect(job.steps.find(s => s.step === 'both')).toMatchObject({ state: 'completed', attempts: 1 })
    for (const d of live) expect(await metric(d, 'artdag_results_lost_total')).toBeGreaterThanOrEqual(1)

    // The output: the two one-second clips, one after the other.
    const out = join(dir, 'both.mp4')
    await watcher.json(['get', job.output!, '-o', out])
    const facts = await ffprobe(out)
    expect(facts.durationS).toBeGreaterThan(1.9)
    expect(facts.durationS).toBeLessThan(2.2)
    expect(facts.streams.find(s => s.codec_type === 'video')).toMatchObject({ width: 160, height: 90 })
    expect(await videoFrames(out)).toBe(50)
  }, 300_000)
})
