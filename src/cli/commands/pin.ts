import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { formatTime } from '../format.ts'
import { table, value } from '../output.ts'

const kind = z.enum(['user', 'final', 'intermediate'])

const ls = defineCommand({
  name: 'ls',
  summary: 'list pins',
  options: { kind: { flags: '--kind <kind>', description: 'only pins of this kind', choices: kind.options } },
  input: z.object({ kind: kind.optional() }),
  async run ({ kind }, ctx) {
    const result = await (await ctx.client()).pins(kind !== undefined ? { kind } : {}, { signal: ctx.signal })
    const rows = result.pins.map(p => [
      p.cid,
      p.kind,
      p.expiresAt !== undefined ? formatTime(p.expiresAt) : '-',
      Object.entries(p.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '-'
    ])
    return table(result, ['CID', 'KIND', 'EXPIRES', 'LABELS'], rows, 'no pins')
  }
})

const label = z.string().regex(/^[^=]+=.*$/, 'must be key=value')

const add = defineCommand({
  name: 'add',
  summary: 'pin content (fetching what is missing from peers)',
  args: [{ name: 'cid', description: "the content's CID" }],
  options: {
    kind: { flags: '--kind <kind>', description: 'user, final, or intermediate (needs --expires-in)', choices: kind.options, default: 'user' },
    expiresIn: { flags: '--expires-in <ms>', description: 'an intermediate pin lapses this many milliseconds from now' },
    label: { flags: '--label <key=value>', description: 'a label on the pin (repeatable)', repeatable: true }
  },
  input: z.object({
    cid: z.string(),
    kind,
    expiresIn: z.coerce.number({ error: 'must be a number of milliseconds' }).int().positive().optional(),
    label: z.array(label).optional()
  }),
  async run ({ cid, kind, expiresIn, label }, ctx) {
    const labels = label === undefined ? undefined : Object.fromEntries(label.map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    const pin = await (await ctx.client()).pin(cid, {
      kind,
      ...(expiresIn !== undefined ? { expiresAt: Date.now() + expiresIn } : {}),
      ...(labels !== undefined ? { labels } : {})
    }, { signal: ctx.signal })
    return value(pin, `pinned ${pin.cid} (${pin.kind})`)
  }
})

const rm = defineCommand({
  name: 'rm',
  summary: 'unpin content (gc may then remove it)',
  args: [{ name: 'cid', description: "the content's CID" }],
  input: z.object({ cid: z.string() }),
  async run ({ cid }, ctx) {
    const result = await (await ctx.client()).unpin(cid, { signal: ctx.signal })
    return value(result, `unpinned ${result.cid}`)
  }
})

export default defineCommand({
  name: 'pin',
  summary: 'list, add and remove pins',
  group: 'Content',
  order: 4,
  subcommands: [ls, add, rm]
})
