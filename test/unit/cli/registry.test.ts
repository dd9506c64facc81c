import { describe, expect, it } from 'vitest'
import { loadCommands, sortCommands } from '../../../src/cli/registry.ts'
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

  it('names both files when two define one command', async () => {
    await expect(loadCommands(fixtureDir('duplicate-commands'))).rejects.toThrow('src/cli/commands/second.ts and first.ts both define the command "twin"')
  })

  it('orders by group, then order, then name; unknown groups after the known ones', () => {
    const spec = (name: string, group?: string, order?: number) => ({ name, summary: '', ...(group !== undefined ? { group } : {}), ...(order !== undefined ? { order } : {}), run: async () => ({ kind: 'none' as const }) })
    const sorted = sortCommands([spec('zeta', 'Extra'), spec('b', 'Content'), spec('a', 'Content', 200), spec('init', 'Setup'), spec('misc')])
    expect(sorted.map(c => c.name)).toEqual(['init', 'b', 'a', 'misc', 'zeta'])
  })
})
