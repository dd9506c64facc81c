import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobDetail } from '../../src/api/schemas.ts'
import { renderResultSchema } from '../../src/api/outputs.ts'
import { artdag, countingFfmpeg } from './helpers/cli.ts'
import { eventually, initHomes, startCluster, waitForCluster } from './helpers/daemon.ts'
import type { Daemon } from './helpers/daemon.ts'

/**
 * A job its submitter completes at once from its own cache (`artdag render` with no daemon filled
 * the home's cache, then `artdag submit --wait` on a daemon of that home), in a cluster of three
 * with the default trust.confirmations (2). The other nodes do not count that cache's word as the
 * step's result, but the job is done: no node may run any of its steps, and no node shows one
 * running (it showed `completed … 1/3 done · 2 running` while the others re-ran the whole job).
 */

const RECIPE = 'version: 1\nname: cached-here\nnodes:\n' +
  '  bars: { type: generate, config: { duration: 1, width: 160, height: 90 } }\n' +
  '  faster: { type: transform, inputs: [bars], config: { ops: [{ op: speed, factor: 2 }] } }\n' +
  '  out: { type: encode, inputs: [faster], config: { crf: 35, preset: ultrafast } }\n' +
  'output: out\n'

let dir: string
let homes: string[]
let daemons: Daemon[] = []
let ffmpegs: Array<Awaited<ReturnType<typeof countingFfmpeg>>>

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-submitter-cache-'))
  homes = await initHomes(dir, ['a', 'b', 'c'])
  ffmpegs = []
  for (const name of ['a', 'b', 'c']) {
    const own = join(dir, `ffmpeg-${name}`)
    await mkdir(own)
    ffmpegs.push(await countingFfmpeg(own))
  }
  await writeFile(join(dir, 'recipe.yaml'), RECIPE)
}, 60_000)

afterAll(async () => {
  await Promise.all(daemons.map(async d => {
    await d.stop()
  }))
  await rm(dir, { recursive: true, force: true })
})

async function job (daemon: Daemon, id: string): Promise<JobDetail> {
  return await daemon.json<JobDetail>(['job', id])
}

/** Every node knows the job as completed, with no step running or claimed for it. */
async function settledEverywhere (id: string): Promise<JobDetail[]> {
  return await eventually(async () => {
    const jobs = await Promise.all(daemons.map(async d => await job(d, id)))
    return jobs.every(j => j.state === 'completed' && j.progress.running === 0) ? jobs : undefined
  }, { timeoutMs: 60_000, intervalMs: 200, what: `job ${id} completed with nothing running on every node` })
}

describe('a job its submitter completes from its own cache', { timeout: 240_000 }, () => {
  it('runs on no node, and no node shows a step of it running', async () => {
    // 1. No daemon: the render fills home a's cache.
    const rendered = await artdag(['render', 'recipe.yaml', '--home', homes[0]!, '--json'], { cwd: dir, env: { ARTDAG_FFMPEG: ffmpegs[0]!.path } })
    expect(rendered.code, rendered.stderr).toBe(0)
    const output = renderResultSchema.parse(JSON.parse(rendered.stdout)).output

    // 2. Three daemons, one of them on that home, trusting nobody's word alone (the default).
    daemons = await startCluster(homes, { env: { ARTDAG_TRUST__CONFIRMATIONS: '2' }, nodeEnv: i => ({ ARTDAG_FFMPEG: ffmpegs[i]!.path }) })
    await waitForCluster(daemons, 60_000)
    const before = await Promise.all(ffmpegs.map(async f => (await f.runs()).length))

    // 3. Submitted on the home that has it: completed at once, from the cache.
    for (const round of ['first', 'again']) {
      const done = renderResultSchema.parse(await daemons[0]!.json(['submit', 'recipe.yaml', '--wait'], { cwd: dir }))
      expect(done.output, round).toBe(output)
      // The output from the cache; the steps upstream not needed (or cached too, once this node knows them).
      expect(done.steps.map(s => s.state === 'skipped' ? 'cached' : s.state), round).toEqual(['cached', 'cached', 'cached'])
      expect(done.steps.at(-1)?.state, round).toBe('cached')

      // Every node learns the job and ends it, and none shows a step running, then or later.
      const jobs = await settledEverywhere(done.job!)
      for (const [i, j] of jobs.entries()) {
        expect(j.output, `${round}: ${daemons[i]!.home}`).toBe(output)
        expect(j.steps.filter(s => s.state === 'running' || s.state === 'claimed'), `${round}: ${daemons[i]!.home}`).toEqual([])
      }
      for (const d of daemons) {
        const listed = await d.json<{ jobs: Array<{ id: string, state: string, progress: { running: number } }> }>(['jobs'])
        expect(listed.jobs.find(j => j.id === done.job), `${round}: artdag jobs on ${d.home}`).toMatchObject({ state: 'completed', progress: { running: 0 } })
      }
    }

    // No ffmpeg ran anywhere for either job: the nodes ended them as they learnt them, so none can start one.
    const after = await Promise.all(ffmpegs.map(async f => (await f.runs()).length))
    expect(after).toEqual(before)
  })
})
