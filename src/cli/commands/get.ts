import { resolve } from 'node:path'
import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { formatBytes } from '../format.ts'
import { value } from '../output.ts'

export default defineCommand({
  name: 'get',
  summary: 'save content to a file (written whole or not at all)',
  group: 'Content',
  order: 3,
  args: [{ name: 'cid', description: "the content's CID" }],
  options: {
    output: { flags: '-o, --output <file>', description: 'where to write it (replaced atomically)' }
  },
  input: z.object({ cid: z.string(), output: z.string({ error: 'is required (-o FILE)' }).min(1) }),
  examples: ['artdag get bafy... -o out.mp4'],
  async run ({ cid, output }, ctx) {
    const { saveContent } = await import('../save-content.ts')
    const path = resolve(ctx.io.cwd, output)
    const { size } = await saveContent(await ctx.client(), cid, path, ctx)
    return value({ cid, size, path }, `${path} (${formatBytes(size)})`)
  }
})
