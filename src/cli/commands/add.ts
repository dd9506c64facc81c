import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { value } from '../output.ts'

export default defineCommand({
  name: 'add',
  summary: "add a file to the node's store and print its CID (streamed, never read whole)",
  group: 'Content',
  order: 1,
  args: [{ name: 'file', description: 'the file to add, or - for stdin' }],
  options: {
    pin: { flags: '--pin <kind>', description: 'pin it as user or final content, or none (gc may then remove it)', choices: ['user', 'final', 'none'], default: 'user' }
  },
  input: z.object({ file: z.string().min(1), pin: z.enum(['user', 'final', 'none']) }),
  examples: ['artdag add clip.mp4', 'ffmpeg -i in.mov -f matroska - | artdag add -'],
  async run ({ file, pin }, ctx) {
    const client = await ctx.client()
    if (file === '-') {
      const added = await client.add(ctx.io.stdin as AsyncIterable<Uint8Array>, { pin, signal: ctx.signal })
      return value(added, added.cid)
    }
    const { stat } = await import('node:fs/promises')
    const size = await stat(file).then(s => s.size, () => undefined)
    const progress = ctx.progress(`add ${file}`, size)
    try {
      const added = await client.addFile(file, {
        pin,
        signal: ctx.signal,
        onProgress: sent => {
          progress.update(sent)
        }
      })
      return value(added, added.cid)
    } finally {
      progress.stop()
    }
  }
})
