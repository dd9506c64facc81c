import { describe, expect, it } from 'vitest'
import { runCli } from '../../../src/cli/program.ts'
import { fakeIo, FakeSignals, fixtureDir } from './helpers.ts'

const commandsDir = fixtureDir('sample-commands')

async function run (argv: string[], env: Record<string, string> = { ARTDAG_HOME: '/srv/artdag' }): Promise<{ code: number, out: string, err: string }> {
  const io = fakeIo(env)
  const code = await runCli(argv, { io: io.io, signals: new FakeSignals(), commandsDir })
  return { code, out: io.stdout(), err: io.stderr() }
}

describe('runCli', () => {
  it('runs a command with typed input and the resolved home', async () => {
    expect(await run(['echo', 'hi', '--times', '2', '--upper'])).toEqual({ code: 0, out: 'HI HI\n', err: '' })
    const json = await run(['echo', 'hi', '--json'])
    expect(JSON.parse(json.out)).toEqual({ said: 'hi', home: '/srv/artdag' })
    expect(JSON.parse((await run(['--home', 'rel', 'echo', 'hi', '--json'])).out).home).toBe('/rel')
    expect(JSON.parse((await run(['echo', 'hi', '--home', '/elsewhere', '--json'])).out).home).toBe('/elsewhere')
    expect(JSON.parse((await run(['echo', 'hi', '--json'], {})).out).home).toBe('/home/tester/.artdag')
  })

  it('collects repeatable options', async () => {
    expect(JSON.parse((await run(['echo', 'x', '--tag', 'a', '--tag', 'b', '--json'])).out)).toEqual({ said: 'x', tags: ['a', 'b'] })
  })

  it('names the flag when an input is invalid, and exits 2', async () => {
    expect(await run(['echo', 'hi', '--times', 'many'])).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/^artdag echo: --times: /) })
  })

  it('usage errors exit 2, as text or JSON', async () => {
    expect(await run(['nope'])).toMatchObject({ code: 2, err: "unknown command 'nope'\n" })
    expect(await run(['echo'])).toMatchObject({ code: 2, err: "missing required argument 'word'\n" })
    const json = await run(['echo', 'hi', '--bogus', '--json'])
    expect(json.code).toBe(2)
    expect(JSON.parse(json.err)).toEqual({ error: { name: 'UsageError', kind: 'invalid', message: "unknown option '--bogus'" } })
    expect((await run([])).code).toBe(2)
  })

  it('exits by the error kind: not found 3, a bug 9', async () => {
    expect(await run(['echo', 'missing'])).toEqual({ code: 3, out: '', err: 'no such word: missing\n' })
    const bug = await run(['echo', 'bug', '--json'])
    expect(bug.code).toBe(9)
    expect(JSON.parse(bug.err)).toEqual({ error: { name: 'TypeError', kind: 'internal', message: 'undefined is not a function' } })
  })

  it('--help lists the commands and the exit codes; --version prints the version', async () => {
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    expect(help.out).toContain('echo [options] <word>')
    expect(help.out).toContain('Test:')
    expect(help.out).toContain('Exit codes:')
    expect((await run(['--version'])).out).toMatch(/^\d+\.\d+\.\d+\n$/)
  })

  it('a long-running command stops cleanly on the first signal', async () => {
    const io = fakeIo({ ARTDAG_HOME: '/srv/artdag' })
    const signals = new FakeSignals()
    const running = runCli(['wait'], { io: io.io, signals, commandsDir })
    await new Promise<void>(resolve => {
      io.io.stderr.once('data', () => resolve())
    })
    signals.raise('SIGINT')
    expect(await running).toBe(0)
    expect(io.stdout()).toBe('stopped\n')
    expect(io.stderr()).toBe('waiting\nreceived SIGINT, stopping (send it again to force)\n')
    expect(signals.listenerCount('SIGINT')).toBe(0)
  })
})
