import { defineCommand } from '../command.ts'
import { fields } from '../output.ts'

export default defineCommand({
  name: 'id',
  summary: "show this node's peer id, addresses and version",
  group: 'Node',
  order: 1,
  async run (_input, ctx) {
    const id = await (await ctx.client()).id({ signal: ctx.signal })
    return fields(id, [
      ['peer', id.peer],
      ['version', id.version],
      ...id.addresses.map((address): [string, string] => ['address', address])
    ])
  }
})
