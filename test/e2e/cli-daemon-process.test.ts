import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAST_ENV, eventually, initHomes } from './helpers/daemon.ts'

/**
 * Issue 13, the daemon's own output: lines for people on a terminal, JSON
 * lines when not; a daemon whose output pipe closes (`artdag daemon 2>&1 |
 * tee log`, then Ctrl-C) stops in order and leaves no lock, socket or work
 * directory; workspaces a dead daemon left are removed at the next start.
 */

const BIN = fileURLToPath(new URL('../../bin/artdag.js', import.meta.url))
let dir: string
let homes: string[]

const env = { ...process.env, ARTDAG_HOME: '', ...FAST_ENV, ARTDAG_LOG__LEVEL: 'info' }
const daemonArgs = (home: string): string[] => [BIN, 'daemon', '--home', home, '--listen', '/ip4/127.0.0.1/tcp/0']
const lockHolder = async (home: string): Promise<number> => (JSON.parse(await readFile(join(home, 'repo.lock'), 'utf8')) as { pid: number }).pid

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-daemon-output-'))
  homes = await initHomes(dir, ['tty', 'pipe'])
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("the daemon's output", { timeout: 120_000 }, () => {
  it('is lines for people on a terminal, JSON lines when not; the log file keeps JSON lines either way', async () => {
    const home = homes[0] as string
    const log = join(dir, 'tty.log')
    const child = spawn('script', ['-q', '-f', '-c', `${process.execPath} ${daemonArgs(home).join(' ')}`, log], { stdio: ['ignore', 'ignore', 'ignore'], env })
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
    const screen = async (): Promise<string> => await readFile(log, 'utf8').catch(() => '')
    await eventually(async () => (await screen()).includes('daemon ready'), { timeoutMs: 60_000, what: 'the daemon to be ready' })
    process.kill(await lockHolder(home), 'SIGINT')
    await exited
    const text = await screen()
    // eslint-disable-next-line no-control-regex -- the terminal's colour codes are what is checked
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} (\x1b\[32m)?INFO (\x1b\[0m)? artdag:daemon {2}daemon ready {2}event=ready peer=12D3KooW\w+ /m)
    expect(text).toMatch(/artdag:daemon {2}stopped\r?$/m)
    expect(text).not.toMatch(/^\{"level"/m)
    const file = await readFile(join(home, 'logs', 'daemon.log'), 'utf8')
    expect(file.trim().split('\n').map(line => (JSON.parse(line) as { msg: string }).msg)).toContain('daemon ready')
  })

  it('stops in order when its output pipe has closed: no lock, socket or work directory left; stale workspaces go at start', async () => {
    const home = homes[1] as string
    // A workspace a daemon killed mid-step left behind.
    await mkdir(join(home, 'work', 'out-AbC123'), { recursive: true })
    await writeFile(join(home, 'work', 'out-AbC123', 'input-0'), 'x'.repeat(1024))
    const child = spawn(process.execPath, [...daemonArgs(home), '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'], env })
    const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
    // Read until ready, then close the pipes, as `| tee` does when Ctrl-C ends it first.
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', line => {
        if (line.includes('ready')) resolve()
      })
      void exited.then(() => reject(new Error('the daemon exited before it was ready')))
    })
    expect(await readdir(join(home, 'work'))).toEqual([])
    child.stdout!.destroy()
    child.stderr!.destroy()
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    for (const name of ['repo.lock', 'artdag.sock']) await expect(stat(join(home, name))).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await readdir(join(home, 'work'))).toEqual([])
    // What it could not write on its stderr is in its log file.
    const file = await readFile(join(home, 'logs', 'daemon.log'), 'utf8')
    expect(file).toContain('"msg":"stopped"')
    expect(file).toContain('"msg":"removed the work directories a stopped process left"')
  })
})
