import { stat } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { z } from 'zod'
import { InvalidArgumentError } from '../../errors.ts'
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
  args: [{ name: 'cid', description: "the content's CID, or a unique start of it; or a job's id (its output)" }],
  options: {
    output: { flags: '-o, --output <file>', description: 'where to write it (replaced atomically), or a directory to write CID.EXT in; default: ./CID.EXT, the extension from what the content is' }
  },
  input: z.object({ cid: z.string().min(1), output: z.string().min(1).optional() }),
  examples: ['artdag get bafy... -o out.mp4', 'artdag get bafkreiby7okp2ez', 'artdag get bafkreiby7okp2ez -o renders/'],
  async run (args, ctx) {
    const [{ saveContent }, { homeContent }, { resolveContentOrJob }] = await Promise.all([import('../save-content.ts'), import('../home-content.ts'), import('../ids.ts')])
    // Where it goes is checked before the home is opened: a typo in -o costs nothing.
    const target = await outputTarget(args.output, ctx.io.cwd)
    const content = await homeContent(ctx)
    const cid = await resolveContentOrJob(content, args.cid, ctx.signal)
    let path = target.file
    if (path === undefined) {
      const [{ sniffMediaType, SNIFF_BYTES }, { collect }] = await Promise.all([import('../../api/index.ts'), import('../stream-bytes.ts')])
      const head = await content.cat(cid, { length: SNIFF_BYTES, signal: ctx.signal })
      const ext = EXTENSION_OF[sniffMediaType(await collect(head.body))]
      path = join(target.dir, ext !== undefined ? `${cid}.${ext}` : cid)
    }
    const { size } = await saveContent(content, cid, path, ctx)
    return value({ cid, size, path }, `${path} (${formatBytes(size)})`)
  }
})

/**
 * What `-o` names: a file in an existing directory, or a directory (an existing one, or a path
 * ending in `/`) to write CID.EXT in. A directory that does not exist is refused, saying so.
 */
async function outputTarget (output: string | undefined, cwd: string): Promise<{ dir: string, file?: string }> {
  if (output === undefined) return { dir: cwd }
  const path = resolve(cwd, output)
  const info = await stat(path).catch(() => null)
  if (info?.isDirectory() === true) return { dir: path }
  const asDir = output.endsWith('/') || output.endsWith(sep)
  const dir = asDir ? path : dirname(path)
  const dirInfo = asDir ? info : await stat(dir).catch(() => null)
  if (dirInfo?.isDirectory() !== true) {
    throw new InvalidArgumentError(`-o ${output}: the directory ${dir} ${dirInfo == null ? 'does not exist; create it first' : 'is not a directory'}`, { output: path })
  }
  return { dir, file: path }
}
