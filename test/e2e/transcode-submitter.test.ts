import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FFMPEG, videoFrames } from './helpers/cli.ts'
import { eventually } from './helpers/daemon.ts'
import { startTranscodeCluster } from './helpers/transcode-cluster.ts'
import type { TranscodeCluster } from './helpers/transcode-cluster.ts'
import type { Daemon } from './helpers/daemon.ts'
import type { JobDetail } from '../../src/api/index.ts'

/**
 * Issue 10, "nothing lost when a machine dies", for the one machine that held
 * the source: kill -9 of the submitter mid-transcode. Another node kept a copy
 * of the source as soon as it heard of the job (jobs.inputCopies), so the
 * chunks not encoded yet read it from there, and the transcode completes on
 * the nodes left. The submitter's own encodes stall (a stand-in ffmpeg): it
 * finishes no chunk and not the sound before it dies, so what is tested is
 * the source alone (a part finished there would die with it: docs/TRANSCODE.md). The others
 * encode at the source's pace (`-re`), so the kill lands while chunks are
 * still to be encoded whatever the machine's load.
 */
const run = promisify(execFile)
const SECONDS = 16
const FRAMES = SECONDS * 25
const SETTINGS = ['--crf', '30', '--preset', 'veryfast', '--chunk-seconds', '1']

let cluster: TranscodeCluster

beforeAll(async () => {
  // The submitter's encodes stall; the others encode at the source's pace, one chunk at a time.
  cluster = await startTranscodeCluster('transcode-submitter', { seconds: SECONDS, names: ['a', 'b', 'c'], ffmpeg: i => i === 0 ? { stallEncodes: true } : { pace: true }, env: () => ({ ARTDAG_EXEC__SLOTS: '1' }) })
}, 120_000)

afterAll(async () => {
  await cluster?.stop()
})

interface Pin {
  cid: string
  labels?: Record<string, string>
}

describe('a transcode survives kill -9 of its submitter', () => {
  it('another node keeps a copy of the source; the chunks not yet encoded read it there, and the output has every frame', async () => {
    const { daemons, ffmpegs, source, dir } = cluster
    const [a, b, c] = daemons as [Daemon, Daemon, Daemon]
    const { id } = await a.json<{ id: string }>(['transcode', source, ...SETTINGS], { cwd: dir })
    const chunkRuns = async (): Promise<number> => (await ffmpegs[1]!.chunkRuns()).length + (await ffmpegs[2]!.chunkRuns()).length

    // One of b and c holds the whole source, pinned for the job, while chunks remain to be encoded.
    const { keeper, runsBefore } = await eventually(async () => {
      for (const d of [b, c]) {
        const { pins } = await d.json<{ pins: Pin[] }>(['pin', 'ls', '--kind', 'intermediate'])
        if (pins.some(p => p.labels?.inputOf === id)) return { keeper: d, runsBefore: await chunkRuns() }
      }
      return undefined
    }, { timeoutMs: 60_000, intervalMs: 50, what: 'a node to keep a copy of the source' })
    expect(runsBefore).toBeLessThan(SECONDS)
    await a.kill()

    const job = await eventually(async () => {
      const j = await b.json<JobDetail>(['job', id])
      return j.state !== 'running' ? j : undefined
    }, { timeoutMs: 180_000, what: 'the transcode to end on the nodes left' })
    expect(job.state, job.error ?? '').toBe('completed')

    // Chunks were encoded after the submitter died: they read the source from the copy.
    expect(await chunkRuns()).toBeGreaterThan(runsBefore)
    const chunks = job.steps.filter(s => s.type === 'transcode_chunk')
    expect(chunks).toHaveLength(SECONDS)
    for (const chunk of chunks) expect([b.peerId, c.peerId]).toContain(chunk.peer)
    expect([b.peerId, c.peerId]).toContain(job.steps.find(s => s.type === 'transcode_audio')?.peer)

    const out = join(dir, 'film.mp4')
    await keeper.json(['get', job.output as string, '-o', out])
    expect(await videoFrames(out)).toBe(FRAMES)
    const { stderr } = await run(FFMPEG, ['-v', 'error', '-i', out, '-f', 'null', '-'])
    expect(stderr).toBe('')
  }, 300_000)
})
