import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countingFfmpeg, ffprobe } from './helpers/cli.ts'
import { Daemon, eventually, initHomes } from './helpers/daemon.ts'
import type { JobDetail } from '../../src/api/schemas.ts'

/**
 * Issue 4: every daemon of the cluster restarted in the middle of a job. Jobs
 * and their state are in each node's datastore: after the restart the job
 * resumes and completes, and the steps done before are not done again.
 */

const RECIPES = fileURLToPath(new URL('../fixtures/recipes/', import.meta.url))
let dir: string
let homes: string[]
let daemons: Daemon[] = []
let ffmpeg: Array<Awaited<ReturnType<typeof countingFfmpeg>>>

async function start (): Promise<Daemon[]> {
  const first = await Daemon.start(homes[0]!, { env: { ARTDAG_FFMPEG: ffmpeg[0]!.path } })
  const rest = await Promise.all(homes.slice(1).map(async (home, i) => await Daemon.start(home, { env: { ARTDAG_FFMPEG: ffmpeg[i + 1]!.path }, bootstrap: [first.addresses[0]!] })))
  const all = [first, ...rest]
  for (const d of all) await eventually(async () => (await d.json(['status'])).membership.alive === 2, { what: 'a full cluster' })
  return all
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-restart-'))
  homes = await initHomes(dir, ['a', 'b', 'c'])
  ffmpeg = await Promise.all(homes.map(async home => await countingFfmpeg(home)))
  daemons = await start()
}, 120_000)

afterAll(async () => {
  await Promise.all(daemons.map(async d => {
    await d.stop()
  }))
  await rm(dir, { recursive: true, force: true })
})

describe('a cluster restarted in the middle of a job', { timeout: 240_000 }, () => {
  it('resumes the job after the restart and completes it, without redoing finished steps', async () => {
    const id = (await daemons[0]!.json<{ id: string }>(['submit', join(RECIPES, 'chain.yaml')])).id
    // Mid-job: the first step is done, the job is not.
    const before = await eventually(async () => {
      const j = await daemons[1]!.json<JobDetail>(['job', id])
      return j.state === 'running' && j.steps.some(s => s.state === 'completed') ? j : undefined
    }, { timeoutMs: 120_000, intervalMs: 200, what: 'the first step to complete' })
    const doneBefore = before.steps.filter(s => s.state === 'completed')

    for (const d of daemons) expect((await d.stop()).code).toBe(0)
    const rendersBefore = await Promise.all(ffmpeg.map(async f => (await f.runs()).filter(line => line.includes('-progress')).length))
    daemons = await start()

    const done = await eventually(async () => {
      const j = await daemons[2]!.json<JobDetail>(['job', id])
      return j.state !== 'running' ? j : undefined
    }, { timeoutMs: 180_000, intervalMs: 500, what: 'the job to end after the restart' })
    expect(done.state).toBe('completed')
    // The steps finished before the restart kept their results: same CIDs, not run again.
    for (const step of doneBefore) expect(done.steps.find(s => s.step === step.step)).toMatchObject({ cid: step.cid, peer: step.peer })
    const rendersAfter = await Promise.all(ffmpeg.map(async f => (await f.runs()).filter(line => line.includes('-progress')).length))
    const newRenders = rendersAfter.reduce((a, b) => a + b, 0) - rendersBefore.reduce((a, b) => a + b, 0)
    expect(newRenders).toBeLessThanOrEqual(done.steps.length - doneBefore.length)
    // Every node agrees, and the output plays.
    for (const d of daemons) expect((await d.json<JobDetail>(['job', id])).state).toBe('completed')
    const out = join(dir, 'chain.mp4')
    await daemons[0]!.json(['get', done.output as string, '-o', out])
    const facts = await ffprobe(out)
    expect(Math.abs(facts.durationS - 6)).toBeLessThanOrEqual(0.1)
    expect(facts.streams.find(s => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 })
  })
})
