import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiClient } from '../../src/api/index.ts'
import { FFMPEG, videoFrames } from './helpers/cli.ts'
import { eventually } from './helpers/daemon.ts'
import { startTranscodeCluster } from './helpers/transcode-cluster.ts'
import type { TranscodeCluster } from './helpers/transcode-cluster.ts'
import type { Daemon } from './helpers/daemon.ts'
import type { ApiEvent, JobDetail } from '../../src/api/index.ts'

/**
 * Issue 10, "resumable", on three real daemons: kill -9 of a node while it
 * encodes a chunk. The transcode completes; the chunks the dead node had
 * finished are not encoded again (the submitter kept a copy of each as it was
 * made), the one it was encoding is encoded elsewhere; the output has every
 * frame. Then the same transcode from another node is all cached. Chunks are
 * encoded at the source's pace (a stand-in ffmpeg adds `-re`), so the kill
 * lands while one runs whatever the machine's load.
 */
const run = promisify(execFile)
const SECONDS = 12
const FRAMES = SECONDS * 25
const SETTINGS = ['--crf', '30', '--preset', 'veryfast', '--chunk-seconds', '1']

let cluster: TranscodeCluster

beforeAll(async () => {
  // One chunk at a time per node: the kill interrupts exactly one.
  cluster = await startTranscodeCluster('transcode-resume', { seconds: SECONDS, names: ['a', 'b', 'c'], ffmpeg: () => ({ pace: true }), env: () => ({ ARTDAG_EXEC__SLOTS: '1' }) })
}, 120_000)

afterAll(async () => {
  await cluster?.stop()
})

const stepOf = (e: ApiEvent): string | undefined => 'step' in e && typeof e.step === 'string' ? e.step : undefined
const isChunk = (step: string | undefined): step is string => step !== undefined && /-chunk-\d{3}$/.test(step)

describe('a transcode survives kill -9 of a node', () => {
  it('encodes again only the chunk the dead node was encoding, and the output has every frame', async () => {
    const { daemons, ffmpegs, source, dir } = cluster
    const [a, b, c] = daemons as [Daemon, Daemon, Daemon]
    const stop = new AbortController()
    const seen: ApiEvent[] = []
    const stream = await createApiClient({ home: a.home, socketPath: a.socket }).events({ types: ['step', 'job'], signal: stop.signal })
    const collecting = (async () => {
      try {
        for await (const event of stream) seen.push(event)
      } catch { /* the test stopped following */ }
    })()
    try {
      const { id } = await a.json<{ id: string }>(['transcode', source, ...SETTINGS], { cwd: dir })
      const finishedBy = (peer: string): Set<string> => new Set(seen.filter(e => e.type === 'step.completed' && e.peer === peer && 'job' in e && e.job === id).map(stepOf).filter(isChunk))

      // c has finished a chunk, the submitter holds its copy, and c's ffmpeg is encoding another.
      const { done, running } = await eventually(async () => {
        const done = finishedBy(c.peerId)
        if (done.size === 0) return undefined
        const job = await a.json<JobDetail>(['job', id])
        const cids = job.steps.filter(s => done.has(s.step)).map(s => s.cid)
        const pins = new Set((await a.json<{ pins: Array<{ cid: string }> }>(['pin', 'ls', '--kind', 'intermediate'])).pins.map(p => p.cid))
        if (!cids.every(cid => cid !== null && pins.has(cid))) return undefined
        const running = (await ffmpegs[2]!.chunkRuns()).filter(step => !finishedBy(c.peerId).has(step))
        return running.length > 0 ? { done: finishedBy(c.peerId), running } : undefined
      }, { timeoutMs: 90_000, intervalMs: 50, what: 'c to finish a chunk, a copy of it on the submitter, and c encoding another' })
      await c.kill()

      const job = await eventually(async () => {
        const j = await a.json<JobDetail>(['job', id])
        return j.state !== 'running' ? j : undefined
      }, { timeoutMs: 120_000, what: 'the transcode to end' })
      expect(job.state, job.error ?? '').toBe('completed')

      const chunks = job.steps.filter(s => s.type === 'transcode_chunk')
      expect(chunks).toHaveLength(SECONDS)
      const elsewhere = [...await ffmpegs[0]!.chunkRuns(), ...await ffmpegs[1]!.chunkRuns()]
      for (const chunk of chunks) {
        if (done.has(chunk.step)) {
          // Finished on c before it died: kept as c made it, never encoded again.
          expect(chunk.peer).toBe(c.peerId)
          expect(elsewhere).not.toContain(chunk.step)
        } else {
          // Every other chunk, the interrupted one included, was encoded by a live node.
          expect(chunk.peer).not.toBe(c.peerId)
          expect(elsewhere).toContain(chunk.step)
        }
      }
      // The chunk c was encoding when it died was encoded again by a live node.
      for (const step of running) expect(chunks.find(s => s.step === step)?.peer).not.toBe(c.peerId)

      // Visible: the job lists each chunk's frames, node and speed, in --json and as text; the
      // event stream carried the transcode's progress in frames.
      expect(chunks.reduce((sum, s) => sum + (s.frames ?? 0), 0)).toBe(FRAMES)
      for (const chunk of chunks) expect(chunk.fps).toBeGreaterThan(0)
      expect(job.progress.frames).toEqual({ done: FRAMES, total: FRAMES })
      const peers = new Set(daemons.map(d => d.peerId))
      const progress = seen.flatMap(e => e.type === 'job.progress' && e.job === id ? [e] : [])
      expect(progress.length).toBeGreaterThan(0)
      for (const p of progress) {
        expect(p.frames.total).toBe(FRAMES)
        for (const node of p.nodes) expect(peers.has(node.peer ?? '')).toBe(true)
      }
      expect(progress.some(p => p.nodes.some(node => node.running.length > 0) && p.fps !== null && p.etaMs !== null)).toBe(true)
      const text = await a.cli(['job', id])
      expect(text.stdout).toMatch(/^frames {6}300\/300 in finished chunks$/m)
      expect(text.stdout).toMatch(new RegExp(`^(?:chunks {6}| {12})…${c.peerId.slice(-6)}: ${done.size} chunks?, ${done.size * 25} frames at [\\d.]+ fps$`, 'm'))
      expect(text.stdout).toMatch(/transcode-chunk-\d{3}\s+transcode_chunk\s+completed\s+…\w{6}\s+1\s+\S+ \S+\s+[\d.]+ fps/)

      const out = join(dir, 'film.mp4')
      await a.json(['get', job.output as string, '-o', out])
      expect(await videoFrames(out)).toBe(FRAMES)
      const { stderr } = await run(FFMPEG, ['-v', 'error', '-i', out, '-f', 'null', '-'])
      expect(stderr).toBe('')

      // The same transcode later, from another node: every chunk is cached (the dead node's from the copies), nothing runs.
      const before = elsewhere.length
      const again = await b.json<JobDetail>(['transcode', source, ...SETTINGS, '--wait'], { cwd: dir })
      expect(again.state).toBe('completed')
      expect(again.output).toBe(job.output)
      expect(again.steps.filter(s => s.type === 'transcode_chunk').every(s => s.cached)).toBe(true)
      expect((await ffmpegs[0]!.chunkRuns()).length + (await ffmpegs[1]!.chunkRuns()).length).toBe(before)
    } finally {
      stop.abort()
      await collecting
    }
  }, 300_000)
})
