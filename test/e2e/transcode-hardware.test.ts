import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { videoFrames } from './helpers/cli.ts'
import { startTranscodeCluster } from './helpers/transcode-cluster.ts'
import type { TranscodeCluster } from './helpers/transcode-cluster.ts'
import type { Daemon } from './helpers/daemon.ts'
import type { JobDetail, PeerEntry } from '../../src/api/index.ts'

/**
 * Issue 10, "hardware where it exists", on three real daemons: the middle one's
 * ffmpeg is a stand-in that lists `h264_nvenc` among its encoders (and
 * encodes with libx264 when asked for it), the others have the plain one. The
 * node advertises the encoder once its trial frame encodes; a transcode that
 * asks for `--hardware nvenc` runs every chunk on it, none elsewhere, and the
 * output has every frame.
 */
const SECONDS = 6

let cluster: TranscodeCluster

beforeAll(async () => {
  cluster = await startTranscodeCluster('transcode-hw', { seconds: SECONDS, names: ['a', 'gpu', 'c'], ffmpeg: i => ({ nvenc: i === 1 }) })
}, 120_000)

afterAll(async () => {
  await cluster?.stop()
})

describe('a transcode on a hardware encoder', () => {
  it('is advertised by the node whose ffmpeg has it, and its chunks run only there', async () => {
    const { daemons, ffmpegs, source, dir } = cluster
    const [a, gpu, c] = daemons as [Daemon, Daemon, Daemon]
    // Every node sees the encoder in gpu's record, and in no one else's.
    const { peers } = await a.json<{ peers: PeerEntry[] }>(['peers'])
    const encoders = new Map(peers.map(p => [p.peer, p.capabilities.encoders]))
    expect(encoders.get(gpu.peerId)).toContain('h264_nvenc')
    expect(encoders.get(a.peerId)).not.toContain('h264_nvenc')
    expect(encoders.get(c.peerId)).not.toContain('h264_nvenc')

    const out = join(dir, 'film.mp4')
    const done = await a.json<JobDetail>(['transcode', source, '-o', out, '--hardware', 'nvenc', '--crf', '30', '--chunk-seconds', '1', '--wait'], { cwd: dir })
    expect(done.state).toBe('completed')
    const chunks = done.steps.filter(s => s.type === 'transcode_chunk')
    expect(chunks).toHaveLength(SECONDS)
    for (const chunk of chunks) expect(chunk.peer).toBe(gpu.peerId)
    // Its ffmpeg was asked for h264_nvenc for every chunk; the others encoded none.
    const gpuRuns = await ffmpegs[1]!.runs()
    expect(gpuRuns.map(r => r.step).sort()).toEqual(chunks.map(s => s.step).sort())
    expect(gpuRuns.every(r => r.encoder === 'h264_nvenc')).toBe(true)
    expect(await ffmpegs[0]!.chunkRuns()).toEqual([])
    expect(await ffmpegs[2]!.chunkRuns()).toEqual([])

    expect(await videoFrames(out)).toBe(SECONDS * 25)
  }, 180_000)
})
