import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { formatTime } from '../format.ts'
import { table, value } from '../output.ts'
import { defined } from '../../defined.ts'

const kind = z.enum(['user', 'final', 'intermediate'])

const ls = defineCommand({
  name: 'ls',
  summary: 'list pins',
  options: { kind: { flags: '--kind <kind>', description: 'only pins of this kind', choices: kind.options } },
  input: z.object({ kind: kind.optional() }),
  async run ({ kind }, ctx) {
    const { homeContent } = await import('../home-content.ts')
    const result = await (await homeContent(ctx)).pins(kind !== undefined ? { kind } : {}, { signal: ctx.signal })
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
  summary: 'pin content (with a daemon, fetching what is missing from peers)',
  args: [{ name: 'cid', description: "the content's CID (a unique start of it for content this home knows)" }],
  options: {
    kind: { flags: '--kind <kind>', description: 'user, final, or intermediate (needs --expires-in)', choices: kind.options, default: 'user' },
    expiresIn: { flags: '--expires-in <ms>', description: 'an intermediate pin lapses this many milliseconds from now' },
    label: { flags: '--label <key=value>', description: 'a label on the pin (repeatable)', repeatable: true }
  },
  input: z.object({
    cid: z.string().min(1),
    kind,
    expiresIn: z.coerce.number({ error: 'must be a number of milliseconds' }).int().positive().optional(),
    label: z.array(label).optional()
  }),
  async run ({ cid, kind, expiresIn, label }, ctx) {
    const labels = label === undefined ? undefined : Object.fromEntries(label.map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    const [{ homeContent }, { resolveCid }] = await Promise.all([import('../home-content.ts'), import('../ids.ts')])
    const content = await homeContent(ctx)
    const pin = await content.pin(await resolveCid(content, cid, ctx.signal), {
      kind,
      ...(expiresIn !== undefined ? { expiresAt: Date.now() + expiresIn } : {}),
      ...defined({ labels })
    }, { signal: ctx.signal })
    return value(pin, `pinned ${pin.cid} (${pin.kind})`)
  }
})

const rm = defineCommand({
  name: 'rm',
  summary: 'unpin content (gc may then remove it)',
  args: [{ name: 'cid', description: "the content's CID, or a unique start of it" }],
  input: z.object({ cid: z.string().min(1) }),
  async run ({ cid }, ctx) {
    const [{ homeContent }, { resolveCid }] = await Promise.all([import('../home-content.ts'), import('../ids.ts')])
    const content = await homeContent(ctx)
    const result = await content.unpin(await resolveCid(content, cid, ctx.signal), { signal: ctx.signal })
    return value(result, `unpinned ${result.cid}`)
  }
})

export default defineCommand({
  name: 'pin',
  summary: 'list, add and remove pins (with or without a daemon)',
  group: 'Content',
  order: 4,
  subcommands: [ls, add, rm]
})
