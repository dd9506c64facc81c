import { defineCommand } from '../command.ts'
import { formatBytes } from '../format.ts'
import { fields } from '../output.ts'

const stat = defineCommand({
  name: 'stat',
  summary: 'what the home holds on disk: content, datastore, work, logs; its pins; the free space',
  async run (_input, ctx) {
    const { homeContent } = await import('../home-content.ts')
    const s = await (await homeContent(ctx)).repoStat({ signal: ctx.signal })
    const total = s.blocks.bytes + s.datastore.bytes + s.work.bytes + s.logs.bytes
    return fields(s, [
      ['home', s.home],
      ['content', `${formatBytes(s.blocks.bytes)} in ${s.blocks.count} blocks`],
      ['datastore', formatBytes(s.datastore.bytes)],
      ['work', formatBytes(s.work.bytes)],
      ['logs', formatBytes(s.logs.bytes)],
      ['total', formatBytes(total)],
      ['pins', `${s.pins.user} user, ${s.pins.final} final, ${s.pins.intermediate} intermediate${s.pins.expired > 0 ? ` (${s.pins.expired} expired: artdag gc removes them)` : ''}`],
      ['free', `${formatBytes(s.disk.freeBytes)} of ${formatBytes(s.disk.totalBytes)}`]
    ])
  }
})

export default defineCommand({
  name: 'repo',
  summary: "the home's storage: artdag repo stat",
  group: 'Content',
  order: 6,
  subcommands: [stat]
})
