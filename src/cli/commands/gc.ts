import { defineCommand } from '../command.ts'
import { value } from '../output.ts'

export default defineCommand({
  name: 'gc',
  summary: 'drop expired intermediate pins, then every unpinned block',
  group: 'Content',
  order: 5,
  async run (_input, ctx) {
    const result = await (await ctx.client()).gc({ signal: ctx.signal })
    return value(result, `removed ${result.removedBlocks} blocks, ${result.expiredPins} expired pins`)
  }
})
