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
  args: [{ name: 'cid', description: 'the content\'s CID' }],
  options: {
    output: { flags: '-o, --output <file>', description: 'where to write it (replaced atomically)' }
  },
  input: z.object({ cid: z.string(), output: z.string({ error: 'is required (-o FILE)' }).min(1) }),
  examples: ['artdag get bafy... -o out.mp4'],
  async run ({ cid, output }, ctx) {
    const client = await ctx.client()
    const path = resolve(ctx.io.cwd, output)
    const download = await client.cat(cid, { signal: ctx.signal })
    const progress = ctx.progress(`get ${cid.slice(0, 12)}…`, download.size)
    const { writeFileAtomically } = await import('../../api/atomic-file.ts')
    try {
      let done = 0
      const body = (async function * () {
        for await (const chunk of download.body) {
          yield chunk
          done += chunk.byteLength
          progress.update(done)
        }
      })()
      const { size } = await writeFileAtomically(path, body, { signal: ctx.signal })
      return value({ cid, size, path }, `${path} (${formatBytes(size)})`)
    } finally {
      progress.stop()
    }
  }
})
