import { readdir, readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { CONFIG_DEFAULTS } from '../../../src/config/defaults.ts'
import { DEFAULT_CONFIG_FILE, DEFAULT_CONFIG_JSON, loadConfig } from '../../../src/config/load.ts'

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

  it('config/default.json, what the loader reads, holds the same values (node scripts/config-json.ts writes it)', async () => {
    expect(JSON.parse(await readFile(DEFAULT_CONFIG_JSON, 'utf8'))).toEqual(CONFIG_DEFAULTS)
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

  it('docs/PROTOCOL.md quotes the topic names, the DHT protocol and the timings every node must share', async () => {
    for (const [key, value] of Object.entries(CONFIG_DEFAULTS.topics)) {
      expect(await tableValue('PROTOCOL.md', `topics.${key}`), `docs/PROTOCOL.md: topics.${key}`).toBe(`\`${value}\``)
    }
    expect(await tableValue('PROTOCOL.md', 'dht.protocol')).toBe(`\`${CONFIG_DEFAULTS.dht.protocol}\``)
    const timings: Array<[string, number]> = [
      ['membership.heartbeatIntervalMs', CONFIG_DEFAULTS.membership.heartbeatIntervalMs],
      ['membership.suspectAfterMs', CONFIG_DEFAULTS.membership.suspectAfterMs],
      ['membership.deadAfterMs', CONFIG_DEFAULTS.membership.deadAfterMs],
      ['lease.renewIntervalMs', CONFIG_DEFAULTS.lease.renewIntervalMs],
      ['lease.ttlMs', CONFIG_DEFAULTS.lease.ttlMs],
      ['registry.publishIntervalMs', CONFIG_DEFAULTS.registry.publishIntervalMs],
      ['dht.republishIntervalMs', CONFIG_DEFAULTS.dht.republishIntervalMs]
    ]
    for (const [key, value] of timings) {
      const cell = await tableValue('PROTOCOL.md', key)
      expect(cell, `docs/PROTOCOL.md has a row for ${key}`).toBeDefined()
      expect(msOf(cell!), `docs/PROTOCOL.md: ${key} is ${cell!}, config/default.yaml says ${value}`).toBe(value)
    }
  })

  it('every topic name in the docs and scripts is one of the configured defaults', async () => {
    const topics = new Set(Object.values(CONFIG_DEFAULTS.topics))
    const root = new URL('../../../', import.meta.url)
    const files = [
      ...(await readdir(new URL('docs/', root))).filter(f => f.endsWith('.md')).map(f => `docs/${f}`),
      ...(await readdir(new URL('scripts/', root), { recursive: true })).filter(f => f.endsWith('.ts')).map(f => `scripts/${f}`)
    ]
    const found: string[] = []
    for (const file of files) {
      const text = await readFile(new URL(file, root), 'utf8')
      // Quoted or in backticks: `artdag/v1/leases`, 'artdag/v1/nodes/heartbeat'. `artdag/v1/…` stands for any.
      for (const match of text.matchAll(/[`'"](artdag\/v\d+\/[^`'"\s…]+)[`'"]/g)) {
        found.push(match[1]!)
        expect(topics.has(match[1]!), `${file} names the topic ${match[1]!}, which config/default.yaml does not have`).toBe(true)
      }
    }
    expect(new Set(found)).toEqual(topics)
  })
})
