import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RECORD_MODULES } from '../../e2e/helpers/cli.ts'

/** `node bin/artdag.js …` as a user runs it, with no daemon anywhere. */

const BIN = fileURLToPath(new URL('../../../bin/artdag.js', import.meta.url))
let dir: string
let home: string

interface Result {
  code: number
  stdout: string
  stderr: string
}

function artdag (...args: string[]): Promise<Result> {
  return artdagWith({}, ...args)
}

function artdagWith (env: Record<string, string>, ...args: string[]): Promise<Result> {
  return new Promise(resolve => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000, env: { ...process.env, ARTDAG_HOME: '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? -1, stdout, stderr })
    })
  })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-cli-'))
  home = join(dir, 'home')
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('artdag with no daemon running', { timeout: 60_000 }, () => {
  it('status prints the one-line message and exits 7', async () => {
    const result = await artdag('status', '--home', home)
    expect(result).toEqual({
      code: 7,
      stdout: '',
      stderr: `no artdag daemon is running for home ${home} (start one with: artdag daemon --home ${home})\n`
    })
  })

  it('every daemon command says the same', async () => {
    for (const args of [['id'], ['peers'], ['events'], ['jobs']]) {
      const result = await artdag(...args, '--home', home)
      expect(result.code, args.join(' ')).toBe(7)
      expect(result.stderr).toMatch(/^no artdag daemon is running for home /)
    }
  })

  it('commands that work on a home with no daemon say there is no home (and make none)', async () => {
    for (const args of [['gc'], ['pin', 'ls'], ['repo', 'stat'], ['cat', 'bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am']]) {
      const result = await artdag(...args, '--home', home)
      expect(result.code, args.join(' ')).toBe(3)
      expect(result.stderr).toMatch(/^there is no artdag home at .* and no daemon runs for it \(artdag init makes a home/)
    }
    await expect(stat(home)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it("a command that only asks the daemon loads nothing of libp2p, Helia, ffmpeg or the engine, and one of zod's locales", async () => {
    const modules = join(dir, 'status-modules.txt')
    const result = await artdagWith({ NODE_OPTIONS: `--import ${RECORD_MODULES}`, RECORD_MODULES_TO: modules }, 'status', '--home', home)
    expect(result.code).toBe(7)
    const recorded = (await readFile(modules, 'utf8')).split('\n')
    // The record is real: the API client was loaded.
    expect(recorded.some(url => url.endsWith('/src/api/client.ts'))).toBe(true)
    expect(recorded.filter(url => /\/node_modules\/(libp2p|@libp2p\/(?!interface)[^/]+|helia|@helia\/[^/]+)\/|\/src\/(engine|node|exec|store)\//.test(url))).toEqual([])
    expect(recorded.filter(url => url.startsWith('file:') && url.includes('/node_modules/zod/v4/locales/'))).toEqual([expect.stringMatching(/\/locales\/en\.js$/)])
  })

  it('--json prints the error as a JSON body on stderr', async () => {
    const result = await artdag('status', '--json', '--home', home)
    expect(result.code).toBe(7)
    expect(result.stdout).toBe('')
    expect(JSON.parse(result.stderr)).toMatchObject({ error: { name: 'DaemonNotRunningError', kind: 'unavailable', details: { home } } })
  })

  it('--help lists the commands and exits 0', async () => {
    const result = await artdag('--help')
    expect(result.code).toBe(0)
    for (const name of ['init', 'daemon', 'id', 'status', 'peers', 'events', 'add', 'cat', 'get', 'pin', 'gc']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'))
    }
  })

  it('init creates the home and prints JSON that parses', async () => {
    const result = await artdag('init', '--home', home, '--json')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ home, existed: false, identity: 'created', swarmKey: 'created', config: 'created' })
    const again = JSON.parse((await artdag('init', '--home', home, '--json')).stdout)
    expect(again).toMatchObject({ existed: true, identity: 'existing' })
  })
})
