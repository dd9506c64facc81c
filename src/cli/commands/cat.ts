import { z } from 'zod'
import { defineCommand } from '../command.ts'

const count = z.coerce.number({ error: 'must be a non-negative integer' }).int('must be a non-negative integer').nonnegative('must be a non-negative integer')

export default defineCommand({
  name: 'cat',
  summary: 'write content to stdout (raw bytes, also with --json); works with or without a daemon',
  group: 'Content',
  order: 2,
  args: [{ name: 'cid', description: "the content's CID, or a unique start of it" }],
  options: {
    offset: { flags: '--offset <bytes>', description: 'start this many bytes in' },
    length: { flags: '--length <bytes>', description: 'write at most this many bytes' }
  },
  input: z.object({ cid: z.string().min(1), offset: count.optional(), length: count.optional() }),
  examples: ['artdag cat bafy... > out.mp4', 'artdag cat bafy... --offset 0 --length 1024 | xxd'],
  async run ({ cid, offset, length }, ctx) {
    const [{ homeContent }, { resolveCid }] = await Promise.all([import('../home-content.ts'), import('../ids.ts')])
    const content = await homeContent(ctx)
    const download = await content.cat(await resolveCid(content, cid, ctx.signal), { offset, length, signal: ctx.signal })
    return { kind: 'bytes', source: download.body }
  }
})
