import { existsSync } from 'node:fs'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FfmpegFailedError, PathOutsideWorkspaceError, ProcessAbortedError, ProcessTimeoutError, StepInputsInvalidError } from '../../../src/exec/errors.ts'
import { executeStep } from '../../../src/exec/execute.ts'
import { runProcess } from '../../../src/exec/process.ts'
import type { ProgressEvent } from '../../../src/exec/progress.ts'
import { runFfmpeg } from '../../../src/exec/runner.ts'
import { SpawnCounter } from '../../../src/exec/spawns.ts'
import { Workspace } from '../../../src/exec/workspace.ts'
import { alive, createBench } from './fixtures.ts'
import type { Bench } from './fixtures.ts'

/** A generate step long enough that only an abort or a timeout ends it. */
const ENDLESS = { type: 'generate', config: { duration: 3600, width: 640, height: 360 }, inputs: [] }

describe('the ffmpeg runner', () => {
  let bench: Bench
  let workRoot: string

  beforeAll(async () => {
    bench = await createBench()
    workRoot = join(bench.dir, 'runner-work')
  })
  afterAll(async () => {
    await bench.close()
  })

  it('reports progress, then aborting kills ffmpeg, waits for it and removes the workspace', async () => {
    const controller = new AbortController()
    const counter = new SpawnCounter()
    const events: ProgressEvent[] = []
    const run = executeStep({
      ...ENDLESS,
      workRoot,
      binaries: bench.binaries,
      timeoutMs: 60_000,
      signal: controller.signal,
      onSpawn: counter.listener,
      onProgress: event => {
        events.push(event)
        if (events.length === 2) controller.abort()
      }
    })
    await expect(run).rejects.toBeInstanceOf(ProcessAbortedError)
    expect(events[1]!.outTimeMs).toBeGreaterThan(0)
    expect(events[1]!.fraction).toBeGreaterThan(0)
    expect(events[1]!.fraction).toBeLessThan(1)
    expect(counter.count('ffmpeg')).toBe(1)
    expect(alive(counter.events[0]!.pid)).toBe(false)
    expect(await readdir(workRoot)).toEqual([])
  })

  it('kills ffmpeg at the step timeout with a timeout error and removes the workspace', async () => {
    const counter = new SpawnCounter()
    const run = executeStep({ ...ENDLESS, workRoot, binaries: bench.binaries, timeoutMs: 1500, onSpawn: counter.listener })
    await expect(run).rejects.toBeInstanceOf(ProcessTimeoutError)
    await expect(run).rejects.toThrow(/step generate ran longer than its 1500 ms limit/)
    expect(alive(counter.events[0]!.pid)).toBe(false)
    expect(await readdir(workRoot)).toEqual([])
  })

  it('starts nothing when aborted before it begins', async () => {
    const counter = new SpawnCounter()
    const run = executeStep({ ...ENDLESS, workRoot, binaries: bench.binaries, timeoutMs: 10_000, signal: AbortSignal.abort(), onSpawn: counter.listener })
    await expect(run).rejects.toBeInstanceOf(ProcessAbortedError)
    expect(counter.count()).toBe(0)
  })

  it('gives the exit code and the error tail when ffmpeg fails', async () => {
    await using workspace = await Workspace.create(workRoot)
    await bench.render('generate', { duration: 0.2, width: 64, height: 64, audio: 'none' }).then(({ file }) => workspace.adopt(file, 'clip.mkv'))
    const err = await runFfmpeg({
      inputs: [{ file: 'clip.mkv' }],
      filterComplex: '[0:v:7]null[v]',
      output: { file: 'out.mkv', options: ['-map', '[v]', '-f', 'matroska'] }
    }, { ffmpegPath: bench.binaries.ffmpeg.path, workspace, timeoutMs: 30_000 }).then(() => {
      throw new Error('expected a rejection')
    }, (e: unknown) => e as FfmpegFailedError)
    expect(err).toBeInstanceOf(FfmpegFailedError)
    expect(err.details?.exitCode).toBe(1)
    expect(((err.details?.errorTail ?? []) as string[]).join('\n')).toMatch(/0:v:7/)
    expect(err.message).toMatch(/^ffmpeg exited with code 1: /)
  })

  it('refuses inputs and outputs outside the workspace before starting ffmpeg', async () => {
    await using workspace = await Workspace.create(workRoot)
    const counter = new SpawnCounter()
    const options = { ffmpegPath: bench.binaries.ffmpeg.path, workspace, timeoutMs: 10_000, onSpawn: counter.listener }
    await expect(runFfmpeg({ inputs: [{ file: '/etc/passwd' }], output: { file: 'out.mkv', options: [] } }, options)).rejects.toBeInstanceOf(PathOutsideWorkspaceError)
    await writeFile(join(workspace.dir, 'ok.mkv'), 'x')
    await expect(runFfmpeg({ inputs: [{ file: 'ok.mkv' }], output: { file: '../out.mkv', options: [] } }, options)).rejects.toBeInstanceOf(PathOutsideWorkspaceError)
    await expect(runFfmpeg({ inputs: [{ file: 'ok.mkv' }], auxFiles: ['../../font.ttf'], output: { file: 'out.mkv', options: [] } }, options)).rejects.toBeInstanceOf(PathOutsideWorkspaceError)
    expect(counter.count()).toBe(0)
  })

  it('refuses playlists and reference files as inputs (they could pull in other files), removing the workspace', async () => {
    const hostile = {
      'list.ffconcat': 'ffconcat version 1.0\nfile /etc/passwd\n',
      'list.m3u8': '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n',
      'notes.txt': 'just text'
    }
    for (const [name, content] of Object.entries(hostile)) {
      const file = join(bench.dir, name)
      await writeFile(file, content)
      const run = executeStep({ type: 'transform', config: { ops: [{ op: 'flip', direction: 'vertical' }] }, inputs: [file], workRoot, binaries: bench.binaries, timeoutMs: 30_000 })
      await expect(run).rejects.toBeInstanceOf(StepInputsInvalidError)
      await expect(run).rejects.toThrow(/input 0 of transform is not a media file ffmpeg can read/)
    }
    expect(await readdir(workRoot)).toEqual([])
  })

  it("owns its output until disposed, and leaves a caller's workspace to the caller", async () => {
    const result = await executeStep({ type: 'generate', config: { duration: 0.2, width: 64, height: 64 }, inputs: [], workRoot, binaries: bench.binaries, timeoutMs: 30_000 })
    expect(existsSync(result.outputPath)).toBe(true)
    await result.dispose()
    expect(existsSync(result.workspace)).toBe(false)

    await using workspace = await Workspace.create(workRoot)
    {
      await using inner = await executeStep({ type: 'generate', config: { duration: 0.2, width: 64, height: 64 }, inputs: [], workspace, binaries: bench.binaries, timeoutMs: 30_000 })
      expect(inner.outputPath).toBe(join(workspace.dir, 'output.mkv'))
    }
    expect(existsSync(join(workspace.dir, 'output.mkv'))).toBe(true)
  })
})

describe('runProcess', () => {
  it('sends SIGKILL after the grace period to a child that ignores SIGTERM, and waits for it', async () => {
    const controller = new AbortController()
    let pid = 0
    const run = runProcess(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"], {
      label: 'stubborn',
      timeoutMs: 30_000,
      killGraceMs: 200,
      signal: controller.signal,
      onSpawn: p => {
        pid = p
      },
      onStdout: () => controller.abort()
    })
    await expect(run).rejects.toBeInstanceOf(ProcessAbortedError)
    expect(pid).toBeGreaterThan(0)
    expect(alive(pid)).toBe(false)
  })
})
