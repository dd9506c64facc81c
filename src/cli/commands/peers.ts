import { defineCommand } from '../command.ts'
import { formatAgo } from '../format.ts'
import { peersNote } from '../joining.ts'
import { table } from '../output.ts'

export default defineCommand({
  name: 'peers',
  summary: 'list the peers this node knows, with their liveness and load',
  group: 'Node',
  order: 3,
  async run (_input, ctx) {
    const client = await ctx.client()
    const { peers } = await client.peers({ signal: ctx.signal })
    if (!ctx.json && peers.every(p => p.self)) {
      const note = peersNote(await client.status({ signal: ctx.signal }))
      if (note !== undefined) ctx.io.stderr.write(`${note}\n`)
    }
    const now = Date.now()
    const rows = peers.map(p => [
      p.self ? `${p.peer} (self)` : p.peer,
      p.state,
      formatAgo(p.lastSeen, now),
      p.capacity === null ? '-' : String(p.capacity.slots),
      p.load === null ? '-' : String(p.load.running),
      p.source,
      p.addresses[0] ?? '-'
    ])
    return table({ peers }, ['PEER', 'STATE', 'LAST SEEN', 'SLOTS', 'RUNNING', 'SOURCE', 'ADDRESS'], rows, 'no peers known')
  }
})
