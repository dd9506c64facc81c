import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiClient } from '../../src/api/client.ts'
import { countingFfmpeg } from './helpers/cli.ts'
import { Daemon, eventually, initHomes } from './helpers/daemon.ts'
import type { JobDetail } from '../../src/api/schemas.ts'

/**
 * Issue 4: two nodes race for the same step fifty times, and each time exactly
 * one of them runs it. Every job has one step, runnable on both nodes the
 * moment the job arrives; half are submitted on each node, all at once.
 */

const RACES = 50
let dir: string
let daemons: Daemon[]
let ffmpeg: Array<Awaited<ReturnType<typeof countingFfmpeg>>>

function recipe (i: number): Record<string, unknown> {
  // A distinct tone per race: a distinct cache_id, and a marker in ffmpeg's arguments.
  return { version: 1, name: `race-${i}`, nodes: { tone: { type: 'generate', config: { pattern: 'color', duration: 0.2, width: 64, height: 64, fps: 10, audio: 'sine', frequency: 1000 + i } } }, output: 'tone' }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-race-'))
  const homes = await initHomes(dir, ['a', 'b'])
  ffmpeg = await Promise.all(homes.map(async home => await countingFfmpeg(home)))
  const [a, b] = homes as [string, string]
  const first = await Daemon.start(a, { env: { ARTDAG_FFMPEG: ffmpeg[0]!.path } })
  const second = await Daemon.start(b, { env: { ARTDAG_FFMPEG: ffmpeg[1]!.path }, bootstrap: [first.addresses[0]!] })
  daemons = [first, second]
  for (const d of daemons) await eventually(async () => (await d.json(['status'])).membership.alive === 1, { what: 'both nodes to see each other' })
}, 120_000)

afterAll(async () => {
  await Promise.all((daemons ?? []).map(async d => {
    await d.stop()
  }))
  await rm(dir, { recursive: true, force: true })
})

describe('two nodes racing for the same step', { timeout: 300_000 }, () => {
  it(`runs each of ${RACES} contested steps exactly once`, async () => {
    const clients = daemons.map(d => createApiClient({ home: d.home, socketPath: d.socket }))
    const done: JobDetail[] = []
    // One race at a time: both nodes idle, both see the step runnable the moment the job arrives.
    for (let i = 0; i < RACES; i++) {
      const job = await clients[i % 2]!.submitJob({ recipe: recipe(i), inputs: {} })
      done.push(
        await eventually(async () => {
          const j = await clients[(i + 1) % 2]!.job(job.id)
          return j.state !== 'running' ? j : undefined
        }, { timeoutMs: 60_000, intervalMs: 50, what: `race ${i} to end` })
      )
    }
    expect(done.map(j => j.state)).toEqual(done.map(() => 'completed'))

    // Each tone was rendered by exactly one ffmpeg, on exactly one node: the one the job names.
    const runs = await Promise.all(ffmpeg.map(async f => (await f.runs()).filter(line => line.includes('-progress'))))
    for (let i = 0; i < RACES; i++) {
      const marker = `sine=f=${1000 + i}:`
      const where = runs.map(node => node.filter(line => line.includes(marker)).length)
      expect(where.reduce((x, y) => x + y, 0), `race ${i}`).toBe(1)
      const ranOn = daemons[where.findIndex(n => n === 1)]!.peerId
      expect(done[i]!.steps[0]!.peer, `race ${i}`).toBe(ranOn)
    }
    // Both nodes won some: the rendezvous ranking spreads the races.
    expect(runs.every(node => node.length > 0)).toBe(true)
    for (const client of clients) {
      const metrics = await client.metrics()
      const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1])
      expect({ duplicates: value('artdag_duplicate_executions_total'), conflicts: value('artdag_lease_conflicts_total'), aborted: value('artdag_aborted_executions_total'), claims: value('artdag_lease_claims_total') }).toMatchObject({
        duplicates: 0
      })
    }
  })
})
