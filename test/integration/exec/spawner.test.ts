import { afterEach, describe, expect, it } from 'vitest'
import { runProcess } from '../../../src/exec/process.ts'
import { Spawner } from '../../../src/exec/spawner/spawner.ts'
import { silentLogger } from '../../../src/log.ts'
import { eventually } from '../../e2e/helpers/daemon.ts'
import { alive } from './fixtures.ts'

let spawner: Spawner | undefined
afterEach(async () => {
  await spawner?.stop()
  spawner = undefined
})

function start (idleMs?: number): Spawner {
  spawner = new Spawner({ logger: silentLogger() }, idleMs != null ? { idleMs } : {})
  return spawner
}

describe('Spawner: children started by the helper process', () => {
  it('relays stdout, stderr and the exit code, multibyte text intact', async () => {
    const { launch } = start()
    const result = await runProcess('/bin/sh', ['-c', 'printf "héllo wörld\\n"; echo "an error" >&2; exit 3'], { label: 'sh', timeoutMs: 10_000, launch })
    expect(result).toEqual({ exitCode: 3, signal: null, stdout: 'héllo wörld\n', stderrTail: ['an error'] })
  })

  it('runs children in the helper, not in this process', async () => {
    const s = start()
    const pids: number[] = []
    await runProcess('/bin/sh', ['-c', 'echo $PPID'], {
      label: 'sh',
      timeoutMs: 10_000,
      launch: s.launch,
      onStdout: chunk => {
        pids.push(Number(chunk.trim()))
      }
    })
    expect(pids).toEqual([s.helperPid])
    expect(s.helperPid).not.toBe(process.pid)
  })

  it('reports a binary that cannot start as a ProcessSpawnError naming it', async () => {
    const { launch } = start()
    await expect(runProcess('/nonexistent/ffmpeg', [], { label: 'ffmpeg', timeoutMs: 10_000, launch }))
      .rejects.toMatchObject({ name: 'ProcessSpawnError', message: 'could not start ffmpeg at /nonexistent/ffmpeg: ENOENT' })
  })

  it('kills the child on abort, and only then rejects', async () => {
    const { launch } = start()
    const controller = new AbortController()
    let pid = 0
    const run = runProcess('/bin/sleep', ['30'], {
      label: 'sleep',
      timeoutMs: 30_000,
      signal: controller.signal,
      launch,
      onSpawn: p => {
        pid = p
        controller.abort()
      }
    })
    await expect(run).rejects.toMatchObject({ name: 'ProcessAbortedError' })
    expect(alive(pid)).toBe(false)
  })

  it('a helper killed mid-run fails its children and the next launch starts a new helper', async () => {
    const s = start()
    let pid = 0
    const run = runProcess('/bin/sleep', ['30'], {
      label: 'sleep',
      timeoutMs: 30_000,
      launch: s.launch,
      onSpawn: p => {
        pid = p
      }
    })
    await eventually(async () => pid !== 0, { what: 'sleep to start', intervalMs: 20 })
    const first = s.helperPid!
    process.kill(first, 'SIGKILL')
    expect(await run).toMatchObject({ exitCode: null, signal: 'SIGKILL' })
    process.kill(pid, 'SIGKILL') // orphaned by the killed helper
    const again = await runProcess('/bin/sh', ['-c', 'echo ok'], { label: 'sh', timeoutMs: 10_000, launch: s.launch })
    expect(again.stdout).toBe('ok\n')
    expect(s.helperPid).not.toBe(first)
  })

  it('stop() kills running children and leaves no helper behind', async () => {
    const s = start()
    let pid = 0
    const run = runProcess('/bin/sleep', ['30'], {
      label: 'sleep',
      timeoutMs: 30_000,
      launch: s.launch,
      onSpawn: p => {
        pid = p
      }
    })
    await eventually(async () => pid !== 0, { what: 'sleep to start', intervalMs: 20 })
    const helper = s.helperPid!
    await s.stop()
    expect(await run).toMatchObject({ exitCode: null, signal: 'SIGKILL' })
    expect(alive(pid)).toBe(false)
    expect(alive(helper)).toBe(false)
    expect(s.helperPid).toBeUndefined()
  })

  it('lets the helper go after idleMs without a child, and starts one again when needed', async () => {
    const s = start(50)
    await runProcess('/bin/true', [], { label: 'true', timeoutMs: 10_000, launch: s.launch })
    const helper = s.helperPid!
    await eventually(async () => !alive(helper), { what: 'the idle helper to exit', intervalMs: 20 })
    expect(s.helperPid).toBeUndefined()
    expect((await runProcess('/bin/sh', ['-c', 'echo back'], { label: 'sh', timeoutMs: 10_000, launch: s.launch })).stdout).toBe('back\n')
  })
})
