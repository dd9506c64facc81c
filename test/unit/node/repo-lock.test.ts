import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { acquireRepoLock } from '../../../src/node/repo-lock.ts'
import type { ChildProcess } from 'node:child_process'

const NODE = resolve('node_modules/.bin/node')
const REPO_LOCK = resolve('src/node/repo-lock.ts')

/** A separate process that takes the lock and holds it until killed. */
async function holdInChild (path: string): Promise<ChildProcess> {
  const script = `const { acquireRepoLock } = await import(${JSON.stringify(REPO_LOCK)}); await acquireRepoLock(${JSON.stringify(path)}, { purpose: 'daemon' }); console.log('locked'); setInterval(() => {}, 1000)`
  const child = spawn(NODE, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await Promise.race([
    once(child.stdout!, 'data'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`lock holder exited with ${code}`)
    })
  ])
  expect(String(line).trim()).toBe('locked')
  return child
}

/** The pid of a process that has exited. */
async function deadPid (): Promise<number> {
  const child = spawn(NODE, ['-e', ''], { stdio: 'ignore' })
  await once(child, 'exit')
  return child.pid!
}

describe('repo lock', () => {
  let dir: string
  let path: string
  const children: ChildProcess[] = []
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'artdag-lock-'))
    path = join(dir, 'repo.lock')
  })
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await once(child, 'exit')
      }
    }
    await rm(dir, { recursive: true, force: true })
  })

  it('is held by one owner at a time, and released', async () => {
    const lock = await acquireRepoLock(path, { purpose: 'daemon' })
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid, purpose: 'daemon', hostname: hostname() })
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    await expect(acquireRepoLock(path, { purpose: 'render' })).rejects.toThrow(expect.objectContaining({
      name: 'RepoLockedError',
      kind: 'conflict',
      message: expect.stringMatching(new RegExp(`^the home is in use by this process \\(daemon, since .*\\); lock file ${path}$`))
    }))
    await lock.release()
    await lock.release() // twice is fine
    const again = await acquireRepoLock(path, { purpose: 'render' })
    await again.release()
    await expect(stat(path)).rejects.toThrow(/ENOENT/)
  })

  it('names the pid of another process that holds it', async () => {
    const child = await holdInChild(path)
    children.push(child)
    await expect(acquireRepoLock(path, { purpose: 'render' })).rejects.toThrow(expect.objectContaining({
      name: 'RepoLockedError',
      message: expect.stringContaining(`the home is in use by pid ${String(child.pid)} (daemon, since`),
      details: expect.objectContaining({ pid: child.pid, file: path })
    }))
  })

  it('takes over the lock of a process that died without releasing it', async () => {
    const child = await holdInChild(path)
    children.push(child)
    child.kill('SIGKILL')
    await once(child, 'exit')
    const lock = await acquireRepoLock(path, { purpose: 'daemon' })
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid)
    await lock.release()
  })

  it('takes over a stale lock file of a dead pid, or one it cannot read', async () => {
    const pid = await deadPid()
    await writeFile(path, JSON.stringify({ pid, purpose: 'daemon', hostname: hostname(), since: 1, token: 'old' }))
    const lock = await acquireRepoLock(path, { purpose: 'daemon' })
    await lock.release()
    await writeFile(path, '')
    await (await acquireRepoLock(path, { purpose: 'daemon' })).release()
  })

  it('treats a lock from another host as held (it cannot check that pid)', async () => {
    const pid = await deadPid()
    await writeFile(path, JSON.stringify({ pid, purpose: 'daemon', hostname: 'elsewhere', since: 1, token: 'x' }))
    await expect(acquireRepoLock(path, { purpose: 'render' })).rejects.toThrow(`the home is in use by pid ${pid} on elsewhere`)
  })

  it('does not remove a lock that another owner took over', async () => {
    const lock = await acquireRepoLock(path, { purpose: 'daemon' })
    const other = JSON.stringify({ pid: process.pid, purpose: 'daemon', hostname: hostname(), since: 2, token: 'someone-else' })
    await writeFile(path, other)
    await lock.release()
    expect(await readFile(path, 'utf8')).toBe(other)
  })
})
