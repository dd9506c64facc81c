import { defineCommand } from '../command.ts'
import { formatBytes } from '../format.ts'
import { value } from '../output.ts'

export default defineCommand({
  name: 'gc',
  summary: 'drop expired intermediate pins, then every unpinned block, and say how much space that gave back',
  group: 'Content',
  order: 5,
  async run (_input, ctx) {
    const { homeContent } = await import('../home-content.ts')
    const result = await (await homeContent(ctx)).gc({ signal: ctx.signal })
    return value(result, `reclaimed ${formatBytes(result.reclaimedBytes)}: removed ${result.removedBlocks} blocks, ${result.expiredPins} expired pins`)
  }
})
