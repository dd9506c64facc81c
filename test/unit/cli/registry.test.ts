import { describe, expect, it } from 'vitest'
import { commandNames, commandWord, loadCommand, loadCommands, sortCommands } from '../../../src/cli/registry.ts'
import { fixtureDir } from './helpers.ts'

describe('the command registry', () => {
  it('finds every command file in src/cli/commands, grouped for help', async () => {
    const names = (await loadCommands()).map(c => c.name)
    for (const name of ['init', 'daemon', 'id', 'status', 'peers', 'events', 'add', 'cat', 'get', 'pin', 'gc']) expect(names).toContain(name)
    expect(names.indexOf('init')).toBeLessThan(names.indexOf('status'))
    expect(names.indexOf('status')).toBeLessThan(names.indexOf('add'))
  })

  it('names a command file that exports no command', async () => {
    await expect(loadCommands(fixtureDir('bad-commands'))).rejects.toThrow('src/cli/commands/oops.ts must `export default defineCommand({ name, summary, run })`')
  })

  it('names a command file named after another command (a run loads only the file of the command it names)', async () => {
    await expect(loadCommands(fixtureDir('misnamed-commands'))).rejects.toThrow('src/cli/commands/first.ts defines the command "twin": a command file is named after its command (twin.ts)')
  })

  it('finds the command a run names, and only it', async () => {
    expect(commandWord(['--home', 'x', 'status', '--json'])).toBe('status')
    expect(commandWord(['--json', 'pin', 'ls'])).toBe('pin')
    expect(commandWord(['--version'])).toBeUndefined()
    expect((await loadCommand('status'))?.name).toBe('status')
    expect(await loadCommand('nope')).toBeUndefined()
    expect(await loadCommand('../program')).toBeUndefined()
    expect(await commandNames()).toContain('status')
  })

  it('orders by group, then order, then name; unknown groups after the known ones', () => {
    const spec = (name: string, group?: string, order?: number) => ({ name, summary: '', ...(group !== undefined ? { group } : {}), ...(order !== undefined ? { order } : {}), run: async () => ({ kind: 'none' as const }) })
    const sorted = sortCommands([spec('zeta', 'Extra'), spec('b', 'Content'), spec('a', 'Content', 200), spec('init', 'Setup'), spec('misc')])
    expect(sorted.map(c => c.name)).toEqual(['init', 'b', 'a', 'misc', 'zeta'])
  })
})
