import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveBinaries, resolveBinary } from '../../../src/exec/binaries.ts'
import { BinaryPathInvalidError, FfmpegNotFoundError } from '../../../src/exec/errors.ts'

/** Real files: executables are small scripts; packages are real modules under a temp node_modules. */
async function executable (path: string): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, '#!/bin/sh\necho ffmpeg version test\n')
  await chmod(path, 0o755)
  return path
}

async function ffmpegStaticModule (base: string, exported: string | null): Promise<void> {
  const dir = join(base, 'node_modules', 'ffmpeg-static')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'ffmpeg-static', main: 'index.js' }))
  await writeFile(join(dir, 'index.js'), `module.exports = ${JSON.stringify(exported)}\n`)
}

describe('binary resolution', () => {
  let root: string
  const empty = { PATH: '' }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'artdag-bin-'))
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('uses an explicit path first, over the environment', async () => {
    const explicit = await executable(join(root, 'explicit', 'ffmpeg'))
    const fromEnv = await executable(join(root, 'env', 'ffmpeg'))
    expect(await resolveBinary('ffmpeg', { ffmpeg: explicit, env: { ARTDAG_FFMPEG: fromEnv } })).toEqual({ name: 'ffmpeg', path: explicit, source: 'option' })
  })

  it('refuses an explicit path that does not exist or is not executable, naming it, without falling back', async () => {
    const missing = join(root, 'nope', 'ffmpeg')
    const err = await resolveBinary('ffmpeg', { ffmpeg: missing, env: { ARTDAG_FFMPEG: '/bin/sh' } }).then(() => {
      throw new Error('expected a rejection')
    }, (e: unknown) => e as BinaryPathInvalidError)
    expect(err).toBeInstanceOf(BinaryPathInvalidError)
    expect(err.message).toBe(`ffmpeg path ${missing} (from config exec.ffmpeg) does not exist`)
    const plain = join(root, 'plain-file')
    await writeFile(plain, 'not a program')
    await expect(resolveBinary('ffprobe', { env: { ARTDAG_FFPROBE: plain } })).rejects.toThrow(`ffprobe path ${plain} (from $ARTDAG_FFPROBE) not executable`)
    await expect(resolveBinary('ffmpeg', { ffmpeg: root })).rejects.toThrow('not a file')
  })

  it('takes the environment variable before any package or PATH', async () => {
    const fromEnv = await executable(join(root, 'env2', 'ffprobe'))
    const onPath = await executable(join(root, 'path2', 'ffprobe'))
    const found = await resolveBinary('ffprobe', { env: { ARTDAG_FFPROBE: fromEnv, PATH: join(onPath, '..') } })
    expect(found).toEqual({ name: 'ffprobe', path: fromEnv, source: 'env' })
  })

  it('takes ffmpeg-static before PATH when its binary exists, and skips it when it does not', async () => {
    const base = join(root, 'project-a')
    const staticBinary = await executable(join(base, 'node_modules', 'ffmpeg-static', 'ffmpeg'))
    await ffmpegStaticModule(base, staticBinary)
    const onPath = await executable(join(root, 'path3', 'ffmpeg'))
    expect(await resolveBinary('ffmpeg', { moduleBase: base, env: { PATH: join(onPath, '..') } })).toEqual({ name: 'ffmpeg', path: staticBinary, source: 'ffmpeg-static' })

    const broken = join(root, 'project-b')
    await ffmpegStaticModule(broken, join(broken, 'node_modules', 'ffmpeg-static', 'ffmpeg'))
    expect(await resolveBinary('ffmpeg', { moduleBase: broken, env: { PATH: join(onPath, '..') } })).toEqual({ name: 'ffmpeg', path: onPath, source: 'PATH' })
  })

  it('lists every place tried when nothing is found', async () => {
    const base = join(root, 'project-c')
    await ffmpegStaticModule(base, null)
    const err = await resolveBinary('ffmpeg', { moduleBase: base, env: { PATH: '/nonexistent-bin' } }).then(() => {
      throw new Error('expected a rejection')
    }, (e: unknown) => e as FfmpegNotFoundError)
    expect(err).toBeInstanceOf(FfmpegNotFoundError)
    expect(err.details?.tried).toEqual([
      'config exec.ffmpeg: not set',
      '$ARTDAG_FFMPEG: not set',
      'ffmpeg-static: no binary for this platform',
      '@ffmpeg-installer/ffmpeg: not installed',
      'PATH: no ffmpeg in /nonexistent-bin'
    ])
    await expect(resolveBinary('ffprobe', { moduleBase: base, env: empty })).rejects.toThrow(/no ffprobe found; tried .*@ffprobe-installer\/ffprobe: not installed; PATH: no ffprobe in \(empty PATH\)/)
  })

  it('finds the installer packages of this project when nothing else is set', async () => {
    const found = await resolveBinaries({ env: empty })
    expect(found.ffmpeg.source).toBe('@ffmpeg-installer/ffmpeg')
    expect(found.ffmpeg.path).toMatch(/@ffmpeg-installer\/linux-x64\/ffmpeg$/)
    expect(found.ffprobe.source).toBe('@ffprobe-installer/ffprobe')
  })
})
