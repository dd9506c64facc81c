import { extname, resolve } from 'node:path'
import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { value } from '../output.ts'
import { present } from '../../defined.ts'

const CONTAINER_BY_EXTENSION: Readonly<Record<string, string>> = { '.mp4': 'mp4', '.m4v': 'mp4', '.mov': 'mp4', '.mkv': 'mkv', '.webm': 'webm' }

const optionalInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max).optional()

export default defineCommand({
  name: 'transcode',
  summary: 'encode one long video over the whole cluster: in chunks cut at keyframes, joined without a seam',
  group: 'Jobs',
  order: 3,
  args: [{ name: 'source', description: 'the video file (or its CID)' }],
  options: {
    output: { flags: '-o, --output <file>', description: 'write the result here (atomically); its extension picks the container' },
    codec: { flags: '--codec <codec>', description: 'video codec', choices: ['h264', 'hevc', 'vp9', 'av1'] },
    crf: { flags: '--crf <n>', description: 'constant quality (lower is better and bigger)' },
    preset: { flags: '--preset <name>', description: "speed against size, in x264's terms", choices: ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] },
    container: { flags: '--container <format>', description: 'mp4, mkv or webm (default: from --output, else mp4)', choices: ['mp4', 'mkv', 'webm'] },
    hardware: { flags: '--hardware <kind>', description: 'a hardware encoder: nvenc, qsv or vaapi; chunks then run only on nodes that have it (default: none, the software encoder)', choices: ['none', 'nvenc', 'qsv', 'vaapi'] },
    width: { flags: '--width <px>', description: 'output width (even); the height follows unless given' },
    height: { flags: '--height <px>', description: 'output height (even)' },
    audioCodec: { flags: '--audio-codec <codec>', description: 'aac, opus or none', choices: ['aac', 'opus', 'none'] },
    audioBitrate: { flags: '--audio-bitrate <kbps>', description: 'audio bitrate in kbit/s' },
    chunkSeconds: { flags: '--chunk-seconds <s>', description: 'target chunk length in seconds (1 to 600, default 10)' },
    wait: { flags: '-w, --wait', description: 'with a daemon: follow the job until it ends (without one it always runs here to the end)' },
    label: { flags: '--label <text>', description: 'a name for the job in listings' },
    cancelOnInterrupt: { flags: '--cancel-on-interrupt', description: 'with a daemon and --wait: Ctrl-C cancels the job (by default it only stops following it)' }
  },
  input: z.object({
    source: z.string().min(1),
    output: z.string().min(1).optional(),
    codec: z.string().optional(),
    crf: optionalInt(0, 63),
    preset: z.string().optional(),
    container: z.string().optional(),
    hardware: z.string().optional(),
    width: optionalInt(16, 8192),
    height: optionalInt(16, 8192),
    audioCodec: z.string().optional(),
    audioBitrate: optionalInt(32, 512),
    chunkSeconds: z.coerce.number().min(1, 'must be at least 1 second').max(600, 'must be at most 600 seconds').optional(),
    wait: z.boolean().optional(),
    label: z.string().max(200).optional(),
    cancelOnInterrupt: z.boolean().optional()
  }),
  examples: [
    'artdag transcode film.mkv -o film.mp4 --codec h264 --crf 20 --preset medium --wait',
    'artdag transcode film.mkv -o film.webm --codec vp9 --chunk-seconds 20'
  ],
  async run (args, ctx) {
    const [{ loadTranscodeRecipe }, { daemonIfRunning }] = await Promise.all([import('../transcode-recipe.ts'), import('../daemon-client.ts')])
    const outFile = args.output != null ? resolve(ctx.io.cwd, args.output) : undefined
    const container = args.container ?? (outFile != null ? CONTAINER_BY_EXTENSION[extname(outFile).toLowerCase()] : undefined)
    // Settings are validated (and the file checked) before anything is uploaded or analysed.
    const loaded = await loadTranscodeRecipe(args.source, {
      ...present({ container }),
      ...present({ codec: args.codec }),
      ...present({ crf: args.crf }),
      ...present({ preset: args.preset }),
      ...present({ hardware: args.hardware }),
      ...present({ width: args.width }),
      ...present({ height: args.height }),
      ...present({ audioCodec: args.audioCodec }),
      ...present({ audioBitrate: args.audioBitrate }),
      ...present({ chunkSeconds: args.chunkSeconds })
    }, ctx.io)

    const { checkOutputFiles, parseOutputFlags, renderResultOutput } = await import('../render-result.ts')
    // Where the result goes is checked before anything is uploaded or encoded.
    const files = args.output != null ? parseOutputFlags([args.output], loaded.recipe, ctx.io.cwd) : {}
    await checkOutputFiles(files, () => container ?? 'mp4', ctx)
    const daemon = await daemonIfRunning(ctx)
    if (daemon != null) {
      const { announceJob, runJob, submitRecipe } = await import('../submit-job.ts')
      const job = await submitRecipe(daemon, loaded, ctx, { label: args.label })
      if (args.wait !== true && outFile == null) return value(job, job.id)
      announceJob(job, ctx)
      return renderResultOutput(await runJob(daemon, job.id, ctx, { files, cancelOnInterrupt: args.cancelOnInterrupt, loaded }), ctx)
    }
    const { renderEmbedded } = await import('../render-embedded.ts')
    return renderResultOutput(await renderEmbedded(loaded, files, ctx), ctx)
  }
})
