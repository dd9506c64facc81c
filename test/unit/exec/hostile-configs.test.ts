import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stepCatalog } from '../../../src/exec/catalog.ts'
import { StepConfigInvalidError, StepInputsInvalidError, UnknownStepTypeError } from '../../../src/exec/errors.ts'
import { executeStep } from '../../../src/exec/execute.ts'
import { SpawnCounter } from '../../../src/exec/spawns.ts'

/** [type, config, the field the error must name] */
const HOSTILE: Array<[string, unknown, string]> = [
  ['text', { text: 'hi %{localtime}' }, 'text'],
  ['text', { text: 'hi %{eif:1:d}' }, 'text'],
  ['text', { text: 'bell\u0007' }, 'text'],
  ['text', { text: 'carriage\rreturn' }, 'text'],
  ['text', { text: 'tab\there' }, 'text'],
  ['text', { text: "';movie=/etc/passwd'" }, 'text'],
  ['text', { text: 'a, drawtext=text=x' }, 'text'],
  ['text', { text: '[in]scale=2:2[out]' }, 'text'],
  ['text', { text: '' }, 'text'],
  ['text', { text: 'x'.repeat(1001) }, 'text'],
  ['text', { text: 'a', color: "red';movie=/etc/passwd" }, 'color'],
  ['text', { text: 'a', color: 'white:x=0' }, 'color'],
  ['text', { text: 'a', boxColor: 'black@0.5' }, 'boxColor'],
  ['text', { text: 'a', size: '48;movie=/etc/passwd' }, 'size'],
  ['text', { text: 'a', size: 10_000 }, 'size'],
  ['text', { text: 'a', fontfile: '/etc/passwd' }, 'fontfile'],
  ['text', { text: 'a', textfile: '/etc/passwd' }, 'textfile'],
  ['text', { text: 'a', start: 2, end: 1 }, 'end'],
  ['text', { text: 'a', anchor: 'middle' }, 'anchor'],
  ['generate', { duration: -1 }, 'duration'],
  ['generate', { duration: 1e9 }, 'duration'],
  ['generate', { width: 321 }, 'width'],
  ['generate', { width: 1.5 }, 'width'],
  ['generate', { fps: Number.NaN }, 'fps'],
  ['generate', { video: 'movie=/etc/passwd' }, 'video'],
  ['generate', { color: '#12345' }, 'color'],
  ['generate', { sampleRate: 44_101 }, 'sampleRate'],
  ['generate', { args: ['-i', '/etc/passwd'] }, 'args'],
  ['generate', { filter_complex: 'movie=/etc/passwd' }, 'filter_complex'],
  ['generate', { pattern: 'none', audio: 'none' }, 'audio'],
  ['segment', { start: 1, duration: 2, end: 3 }, 'end'],
  ['segment', { mode: 'fast' }, 'mode'],
  ['transform', { ops: [] }, 'ops'],
  ['transform', { ops: [{ op: 'movie', filename: '/etc/passwd' }] }, 'ops[0].op'],
  ['transform', { ops: [{ op: 'scale', width: 320, flags: 'bicubic;movie=/etc/passwd' }] }, 'ops[0].flags'],
  ['transform', { ops: [{ op: 'scale' }] }, 'ops[0].width'],
  ['transform', { ops: [{ op: 'speed', factor: 100 }] }, 'ops[0].factor'],
  ['transform', { ops: [{ op: 'pad', width: 400, height: 400, color: 'black,movie=x' }] }, 'ops[0].color'],
  ['overlay', { opacity: 2 }, 'opacity'],
  ['overlay', { x: '10+movie' }, 'x'],
  ['audio_mix', { volumes: [1, -1] }, 'volumes[1]'],
  ['audio_mix', { duration: 'forever' }, 'duration'],
  ['mux', { offset: 'PTS' }, 'offset'],
  ['encode', { codec: 'h264', container: 'webm' }, 'codec'],
  ['encode', { codec: 'vp9', container: 'mp4' }, 'codec'],
  ['encode', { audioCodec: 'opus', container: 'mp4' }, 'audioCodec'],
  ['encode', { codec: 'h264', crf: 60 }, 'crf'],
  ['encode', { container: 'mkv', faststart: true }, 'faststart'],
  ['encode', { preset: 'placebo;movie' }, 'preset'],
  ['encode', { pixelFormat: 'rgb24' }, 'pixelFormat'],
  ['thumbnail', { time: -3 }, 'time'],
  ['thumbnail', { path: '/etc/passwd' }, 'path'],
  ['analyze', { show_entries: 'format' }, 'show_entries']
]

describe('hostile configs', () => {
  it.each(HOSTILE)('%s %j is refused naming %s', (type, config, field) => {
    const result = stepCatalog.get(type)!.normalize(config)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.issues.map(issue => issue.path)).toContain(field)
  })

  it('refuses a config that is not an object', () => {
    expect(stepCatalog.get('generate')!.normalize('testsrc2;movie=/etc/passwd')).toMatchObject({ ok: false, issues: [{ path: '' }] })
    expect(stepCatalog.get('generate')!.normalize([1, 2])).toMatchObject({ ok: false })
  })

  it('accepts ordinary punctuation, quotes and shell syntax in captions: drawn literally from a file', () => {
    for (const text of ["Don't stop; it's 5 o'clock", 'Chapter [1], part 2', '`rm -rf /` $(id) \\ 100% {x}', 'a=b', 'Q: "why?" A: because']) {
      expect(stepCatalog.get('text')!.normalize({ text })).toMatchObject({ ok: true })
    }
  })
})

describe('executeStep with a rejected config', () => {
  let workRoot: string
  const binaries = { ffmpeg: { path: '/nonexistent/ffmpeg' }, ffprobe: { path: '/nonexistent/ffprobe' } }

  beforeAll(async () => {
    workRoot = await mkdtemp(join(tmpdir(), 'artdag-exec-hostile-'))
  })
  afterAll(async () => {
    await rm(workRoot, { recursive: true, force: true })
  })

  it('throws before starting anything or making a workspace', async () => {
    const counter = new SpawnCounter()
    const run = (type: string, config: unknown, inputs: string[] = []): Promise<unknown> => executeStep({ type, config, inputs, workRoot, binaries, timeoutMs: 10_000, onSpawn: counter.listener })
    await expect(run('text', { text: 'x %{pts}' }, ['/etc/hosts'])).rejects.toBeInstanceOf(StepConfigInvalidError)
    await expect(run('generate', { args: '-i /etc/passwd' })).rejects.toThrow(/args: unknown field/)
    await expect(run('filter', {})).rejects.toBeInstanceOf(UnknownStepTypeError)
    await expect(run('generate', {}, ['/etc/passwd'])).rejects.toBeInstanceOf(StepInputsInvalidError)
    await expect(run('overlay', {}, ['/etc/hosts'])).rejects.toThrow(/overlay takes 2 inputs, got 1/)
    expect(counter.count()).toBe(0)
    expect(await readdir(workRoot)).toEqual([])
  })

  it('names every problem in the error details', async () => {
    const err = await executeStep({ type: 'text', config: { text: '', size: 0, bogus: 1 }, inputs: ['/etc/hosts'], workRoot, binaries, timeoutMs: 1000 }).then(() => {
      throw new Error('expected a rejection')
    }, (e: unknown) => e as StepConfigInvalidError)
    expect(err).toBeInstanceOf(StepConfigInvalidError)
    expect(((err.details?.issues ?? []) as Array<{ path: string }>).map(issue => issue.path).sort()).toEqual(['bogus', 'size', 'text'])
  })
})
