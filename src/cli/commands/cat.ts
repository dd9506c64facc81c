import { z } from 'zod'
import { defineCommand } from '../command.ts'

const count = z.coerce.number({ error: 'must be a non-negative integer' }).int('must be a non-negative integer').nonnegative('must be a non-negative integer')

export default defineCommand({
  name: 'cat',
  summary: 'write content to stdout (raw bytes, also with --json)',
  group: 'Content',
  order: 2,
  args: [{ name: 'cid', description: "the content's CID" }],
  options: {
    offset: { flags: '--offset <bytes>', description: 'start this many bytes in' },
    length: { flags: '--length <bytes>', description: 'write at most this many bytes' }
  },
  input: z.object({ cid: z.string(), offset: count.optional(), length: count.optional() }),
  examples: ['artdag cat bafy... > out.mp4', 'artdag cat bafy... --offset 0 --length 1024 | xxd'],
  async run ({ cid, offset, length }, ctx) {
    const download = await (await ctx.client()).cat(cid, { offset, length, signal: ctx.signal })
    return { kind: 'bytes', source: download.body }
  }
})
