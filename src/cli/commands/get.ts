import { resolve } from 'node:path'
import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { formatBytes } from '../format.ts'
import { value } from '../output.ts'

/** File extensions for what the first bytes say the content is. */
const EXTENSION_OF: Readonly<Record<string, string>> = {
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'mkv',
  'audio/ogg': 'ogg',
  'audio/wav': 'wav',
  'audio/mpeg': 'mp3',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp'
}

export default defineCommand({
  name: 'get',
  summary: 'save content to a file (written whole or not at all); works with or without a daemon',
  group: 'Content',
  order: 3,
  args: [{ name: 'cid', description: "the content's CID, or a unique start of it" }],
  options: {
    output: { flags: '-o, --output <file>', description: 'where to write it (replaced atomically); default: ./CID.EXT, the extension from what the content is' }
  },
  input: z.object({ cid: z.string().min(1), output: z.string().min(1).optional() }),
  examples: ['artdag get bafy... -o out.mp4', 'artdag get bafkreiby7okp2ez'],
  async run (args, ctx) {
    const [{ saveContent }, { homeContent }, { resolveCid }] = await Promise.all([import('../save-content.ts'), import('../home-content.ts'), import('../ids.ts')])
    const content = await homeContent(ctx)
    const cid = await resolveCid(content, args.cid, ctx.signal)
    let output = args.output
    if (output == null) {
      const [{ sniffMediaType, SNIFF_BYTES }, { collect }] = await Promise.all([import('../../api/index.ts'), import('../stream-bytes.ts')])
      const head = await content.cat(cid, { length: SNIFF_BYTES, signal: ctx.signal })
      const ext = EXTENSION_OF[sniffMediaType(await collect(head.body))]
      output = ext !== undefined ? `${cid}.${ext}` : cid
    }
    const path = resolve(ctx.io.cwd, output)
    const { size } = await saveContent(content, cid, path, ctx)
    return value({ cid, size, path }, `${path} (${formatBytes(size)})`)
  }
})
