import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { CONFIG_DEFAULTS } from '../../../src/config/defaults.ts'
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../../src/config/load.ts'

/** The value a docs table gives a key: the row whose first cell names it (`key` or `section.key`). */
async function tableValue (doc: string, key: string): Promise<string | undefined> {
  const text = await readFile(new URL(`../../../docs/${doc}`, import.meta.url), 'utf8')
  for (const line of text.split('\n')) {
    const cells = line.split('|').map(cell => cell.trim())
    if (cells.length < 4) continue
    const name = cells[1]?.replace(/`/g, '')
    if (name === key || name?.endsWith(`.${key}`) === true) return cells[2]
  }
  return undefined
}

/** A cell's value in milliseconds: its last number, with its unit (`3000 ms`, `3 s`, `ttl / 3 = 2000`). */
function msOf (cell: string): number {
  const matches = [...cell.replace(/`/g, '').matchAll(/(\d[\d_]*)\s*(ms|s|min|h|d)?\b/g)]
  const last = matches.at(-1)
  if (last === undefined) return Number.NaN
  const unit = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[last[2] ?? 'ms'] ?? 1
  return Number(last[1]!.replace(/_/g, '')) * unit
}

describe('one source of defaults', () => {
  it('config/default.yaml holds exactly the defaults each component declares', async () => {
    const yaml = parse(await readFile(DEFAULT_CONFIG_FILE, 'utf8')) as unknown
    expect(yaml).toEqual(CONFIG_DEFAULTS)
  })

  it('the declared defaults are a valid configuration, and what an empty home loads', async () => {
    const { config } = await loadConfig({ home: '/nonexistent-artdag-home', env: {} })
    expect(config).toEqual(CONFIG_DEFAULTS)
  })

  it("the docs' tables quote the same values", async () => {
    const quoted: Array<[string, string, number]> = [
      ['MEMBERSHIP.md', 'heartbeatIntervalMs', CONFIG_DEFAULTS.membership.heartbeatIntervalMs],
      ['MEMBERSHIP.md', 'suspectAfterMs', CONFIG_DEFAULTS.membership.suspectAfterMs],
      ['MEMBERSHIP.md', 'deadAfterMs', CONFIG_DEFAULTS.membership.deadAfterMs],
      ['MEMBERSHIP.md', 'publishIntervalMs', CONFIG_DEFAULTS.registry.publishIntervalMs],
      ['LEASES.md', 'ttlMs', CONFIG_DEFAULTS.lease.ttlMs],
      ['LEASES.md', 'renewIntervalMs', CONFIG_DEFAULTS.lease.renewIntervalMs],
      ['LEASES.md', 'settleMs', CONFIG_DEFAULTS.lease.settleMs],
      ['LEASES.md', 'rankDelayMs', CONFIG_DEFAULTS.lease.rankDelayMs]
    ]
    for (const [doc, key, value] of quoted) {
      const cell = await tableValue(doc, key)
      expect(cell, `docs/${doc} has a table row for ${key}`).toBeDefined()
      expect(msOf(cell!), `docs/${doc}: ${key} is ${cell!}, config/default.yaml says ${value}`).toBe(value)
    }
  })
})
