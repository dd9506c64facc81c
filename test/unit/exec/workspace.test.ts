import { existsSync } from 'node:fs'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PathOutsideWorkspaceError } from '../../../src/exec/errors.ts'
import { Workspace, isInside } from '../../../src/exec/workspace.ts'

describe('isInside', () => {
  it('accepts the directory and what is below it, nothing else', () => {
    expect(isInside('/w/a', 'x.mkv')).toBe(true)
    expect(isInside('/w/a', 'sub/x.mkv')).toBe(true)
    expect(isInside('/w/a', '/w/a/x')).toBe(true)
    expect(isInside('/w/a', '..x')).toBe(true)
    expect(isInside('/w/a', '../x')).toBe(false)
    expect(isInside('/w/a', 'sub/../../x')).toBe(false)
    expect(isInside('/w/a', '/etc/passwd')).toBe(false)
    expect(isInside('/w/a', '/w/ab/x')).toBe(false)
  })
})

describe('Workspace', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'artdag-ws-'))
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('makes a fresh directory per step and removes it with everything in it', async () => {
    const a = await Workspace.create(root, { prefix: 'text-' })
    const b = await Workspace.create(root)
    expect(a.dir).not.toBe(b.dir)
    await writeFile(a.path('output.mkv'), 'x')
    await a.dispose()
    await a.dispose()
    expect(existsSync(a.dir)).toBe(false)
    await b[Symbol.asyncDispose]()
    expect(existsSync(b.dir)).toBe(false)
  })

  it('refuses paths that escape it, lexically and through symlinks', async () => {
    await using ws = await Workspace.create(root)
    expect(() => ws.path('../escape.mkv')).toThrow(PathOutsideWorkspaceError)
    expect(() => ws.path('/etc/passwd')).toThrow(/outside the step workspace/)
    expect(() => ws.path('')).toThrow(PathOutsideWorkspaceError)
    await symlink('/etc/hosts', join(ws.dir, 'input-0'))
    await expect(ws.realPath('input-0')).rejects.toBeInstanceOf(PathOutsideWorkspaceError)
  })

  it('adopts input files as links or copies, never symlinks', async () => {
    await using ws = await Workspace.create(root)
    const source = join(root, 'source.bin')
    await writeFile(source, 'media')
    await ws.adopt(source, 'input-0')
    expect(await ws.realPath('input-0')).toBe(join(ws.dir, 'input-0'))
  })
})
