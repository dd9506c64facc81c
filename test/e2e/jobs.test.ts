import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectOutput, ffprobe, spawnArtdag } from './helpers/cli.ts'
import { Daemon, eventually, initHomes, startCluster } from './helpers/daemon.ts'
import type { JobDetail } from '../../src/api/schemas.ts'
import type { RenderResult } from '../../src/api/outputs.ts'

/**
 * Issue 4, end to end: jobs submitted to a cluster of three real daemons are
 * spread over the nodes, cached cluster-wide, survive a `kill -9` of the node
 * running a step, fail cleanly when a step fails everywhere, and can be cancelled.
 */

const RECIPES = fileURLToPath(new URL('../fixtures/recipes/', import.meta.url))
/** The lease ttl the daemons run with (config lease.ttlMs, the default). */
const LEASE_TTL_MS = 6000

let dir: string
let homes: string[]
let daemons: Daemon[]

async function job (daemon: Daemon, id: string): Promise<JobDetail> {
  return await daemon.json<JobDetail>(['job', id])
}

async function submit (daemon: Daemon, recipe: string, extra: string[] = []): Promise<string> {
  return (await daemon.json<{ id: string }>(['submit', join(RECIPES, recipe), ...extra], { cwd: dir })).id
}

/** Waits, within `timeoutMs`, for the job to end on `daemon`. */
async function ended (daemon: Daemon, id: string, timeoutMs = 120_000): Promise<JobDetail> {
  return await eventually(async () => {
    const j = await job(daemon, id)
    return j.state !== 'running' ? j : undefined
  }, { timeoutMs, intervalMs: 300, what: `job ${id} to end on ${daemon.home}` })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-jobs-'))
  homes = await initHomes(dir, ['a', 'b', 'c'])
  // One slot each: the submitter cannot finish six quick steps by itself before the others have
  // fetched and planned the job (on a quiet machine they take longer than its first steps).
  // And a longer rank delay: a node takes a step ranked for another only after 1.5 s per rank.
  daemons = await startCluster(homes, { env: { ARTDAG_EXEC__SLOTS: '1', ARTDAG_LEASE__RANK_DELAY_MS: '1500' } })
  for (const d of daemons) await eventually(async () => (await d.json(['status'])).membership.alive === 2, { what: 'a full cluster' })
}, 120_000)

afterAll(async () => {
  await Promise.all((daemons ?? []).map(async d => {
    await d.stop()
  }))
  await rm(dir, { recursive: true, force: true })
})

describe('jobs on a three-daemon cluster', { timeout: 240_000 }, () => {
  let parallelId: string

  it('spreads six parallel steps over the nodes; the output, fetched from a third node, plays', async () => {
    const [a, , c] = daemons as [Daemon, Daemon, Daemon]
    const done = await a.json<RenderResult>(['submit', join(RECIPES, 'parallel.yaml'), '--wait'], { cwd: dir })
    parallelId = done.job as string
    expect(done.state).toBe('completed')
    expect(done.steps).toHaveLength(8)
    expect(done.steps.every(s => s.state === 'completed')).toBe(true)
    const producers = new Set(done.steps.filter(s => s.step.startsWith('p')).map(s => s.peer))
    expect(producers.size).toBeGreaterThanOrEqual(2)
    for (const peer of producers) expect(daemons.map(d => d.peerId)).toContain(peer)

    // The output has a provenance record, and is pinned on two nodes (config jobs.replication).
    expect(done.output).toMatch(/^baf/)
    expect(done.provenance).toMatch(/^bag/)
    const pinned = await eventually(async () => {
      const j = await job(c, parallelId)
      return j.pinnedBy.length >= 2 ? j.pinnedBy : undefined
    }, { what: 'two pinners to announce the output' })
    for (const peer of pinned) {
      const pinner = daemons.find(d => d.peerId === peer) as Daemon
      const { pins } = await pinner.json<{ pins: Array<{ cid: string, kind: string }> }>(['pin', 'ls'])
      expect(pins).toContainEqual(expect.objectContaining({ cid: done.output, kind: 'final' }))
      expect(pins).toContainEqual(expect.objectContaining({ cid: done.provenance, kind: 'final' }))
    }

    const out = join(dir, 'parallel.mp4')
    await c.json(['get', done.output as string, '-o', out])
    const facts = await ffprobe(out)
    expect(Math.abs(facts.durationS - 12)).toBeLessThanOrEqual(1 / 25 + 0.05)
    expect(facts.streams).toHaveLength(2)
    expect(facts.streams.find(s => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 320, height: 180, r_frame_rate: '25/1' })
    expect(facts.streams.find(s => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' })
  })

  it('serves the same recipe, submitted again on another node, with every step CACHED and the same output', async () => {
    const [a, b] = daemons as [Daemon, Daemon]
    const first = await job(a, parallelId)
    const again = await b.json<RenderResult>(['submit', join(RECIPES, 'parallel.yaml'), '--wait'], { cwd: dir })
    expect(again.job).not.toBe(parallelId)
    expect(again.state).toBe('completed')
    expect(again.steps.map(s => s.state)).toEqual(again.steps.map(() => 'cached'))
    expect(again.output).toBe(first.output)
  })

  it('finishes a job on the other nodes when the node running its step is killed (kill -9)', async () => {
    const [a] = daemons as [Daemon, Daemon, Daemon]
    const id = await submit(a, 'long-step.yaml')
    const running = await eventually(async () => {
      const j = await job(a, id)
      const long = j.steps.find(s => s.step === 'long')
      return long?.state === 'running' && long.peer != null ? long.peer : undefined
    }, { timeoutMs: 60_000, intervalMs: 100, what: 'the long step to run' })
    const victim = daemons.find(d => d.peerId === running) as Daemon
    const witness = daemons.find(d => d !== victim) as Daemon
    // A user follows the job on the witness (its stderr is a pipe: a line per event).
    const watching = spawnArtdag(['watch', id, '--home', witness.home], { env: witness.env })
    const watched = collectOutput(watching)
    await watched.waitFor(/long \(generate\) (running|\d+%)/, 60_000)
    await victim.kill()

    // Bound: the lease lapses (ttl), the next node redoes the step (about 10 s here), then the encode.
    const done = await ended(witness, id, LEASE_TTL_MS + 90_000)
    expect(done.state).toBe('completed')
    // The live display marked the takeover, then ended with the job's output.
    expect(await watched.exit).toBe(0)
    expect(watched.stderr()).toMatch(/long \(generate\) claimed on …\w{6} \(taken over\)/)
    expect(watched.stdout()).toContain(done.output)
    const long = done.steps.find(s => s.step === 'long')
    expect(long?.peer).not.toBe(victim.peerId)
    expect(long?.state).toBe('completed')
    const out = join(dir, 'long.mp4')
    await witness.json(['get', done.output as string, '-o', out])
    expect(Math.abs((await ffprobe(out)).durationS - 12)).toBeLessThanOrEqual(0.1)

    // The killed node left its lock and socket behind: it restarts on its home and rejoins.
    const index = daemons.indexOf(victim)
    const others = daemons.filter(d => d !== victim)
    daemons[index] = await Daemon.start(victim.home, { bootstrap: [others[0]!.addresses[0]!] })
    await eventually(async () => (await daemons[index]!.json(['status'])).membership.alive === 2, { what: 'the restarted node to rejoin' })
    // It learns how the job ended: from the snapshot it saved, the peers' heartbeats and anti-entropy.
    await eventually(async () => (await job(daemons[index]!, id)).state === 'completed', { what: 'the restarted node to know the job completed' })
  })

  it("fails a job whose step fails everywhere, with ffmpeg's error, after the configured attempts; other jobs still run", async () => {
    const [, b, c] = daemons as [Daemon, Daemon, Daemon]
    const notes = join(dir, 'notes.txt')
    await writeFile(notes, 'this is not a video\n')
    const result = await b.cli(['submit', join(RECIPES, 'always-fails.yaml'), '--input', `notes=${notes}`, '--wait', '--json'], { cwd: dir })
    expect(result.code).toBe(1)
    const body = JSON.parse(result.stderr) as { error: { name: string, message: string, details: { job: JobDetail } } }
    expect(body.error.name).toBe('FailedJobError')
    const failed = body.error.details.job
    expect(failed.state).toBe('failed')
    const cut = failed.steps.find(s => s.step === 'cut')
    expect(cut?.state).toBe('failed')
    expect(cut?.attempts).toBe(3)
    expect(failed.error).toMatch(/not a media file ffmpeg can read/)
    expect(failed.error).toMatch(/3 attempt/)
    // Every node agrees.
    for (const d of daemons) expect((await ended(d, failed.id)).state).toBe('failed')

    // The cluster keeps serving: a new job completes.
    const ok = await c.json<RenderResult>(['submit', join(RECIPES, 'long-step.yaml'), '--label', 'after the failure', '--wait'], { cwd: dir })
    expect(ok.state).toBe('completed')
  })

  it('cancels a job everywhere from its submitter (another node may not): its running step stops on every node', async () => {
    const [a, b] = daemons as [Daemon, Daemon, Daemon]
    const id = await submit(a, 'chain.yaml')
    await eventually(async () => (await job(a, id)).steps.some(s => s.state === 'running'), { timeoutMs: 60_000, intervalMs: 100, what: 'a step to run' })
    // Only the node a job was submitted on (or one listed in trust.operators) may cancel it.
    const refused = await b.cli(['cancel', id, '--json'])
    expect(refused.code).not.toBe(0)
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: { name: 'CancelNotAllowedError', kind: 'forbidden' } })
    expect((await job(b, id)).state).toBe('running')
    const cancelled = await a.json<JobDetail>(['cancel', id])
    expect(cancelled.state).toBe('cancelled')
    for (const d of daemons) {
      expect((await ended(d, id, 30_000)).state).toBe('cancelled')
      await eventually(async () => (await d.json(['status'])).steps.length === 0, { timeoutMs: 30_000, what: `${d.home} to stop the cancelled job's steps` })
    }
  })
})
