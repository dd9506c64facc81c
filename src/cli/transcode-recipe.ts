import { stat } from 'node:fs/promises'
import { InvalidArgumentError } from '../errors.ts'
import type { CliIo } from './command.ts'
import type { LoadedRecipe } from './recipe-input.ts'

/** The recipe of `artdag transcode`: one input, one transcode node, every flag a config field. */
export const TRANSCODE_NODE = 'transcode'

const FLAG_OF: Readonly<Record<string, string>> = {
  container: '--container',
  codec: '--codec',
  crf: '--crf',
  preset: '--preset',
  hardware: '--hardware',
  width: '--width',
  height: '--height',
  pixelFormat: '--pixel-format',
  audioCodec: '--audio-codec',
  audioBitrate: '--audio-bitrate',
  chunkSeconds: '--chunk-seconds',
  faststart: '--faststart'
}

/** Checks the source and the settings (errors name the flag) and returns the recipe; starts nothing. */
export async function loadTranscodeRecipe (source: string, settings: Record<string, unknown>, io: CliIo): Promise<LoadedRecipe> {
  const [{ validateRecipe, classifyInputRef, resolveInputPath, RecipeError, EMPTY_INPUT_HINT }, { stepCatalog }] = await Promise.all([
    import('../plan/index.ts'),
    import('../exec/index.ts')
  ])
  const ref = classifyInputRef(source)
  let input = source
  if (ref.kind === 'path') {
    input = resolveInputPath(ref.path, io.cwd)
    const info = await stat(input).catch(() => null)
    if (info == null) throw new InvalidArgumentError(`${source} does not exist`, { source })
    if (!info.isFile()) throw new InvalidArgumentError(`${source} is not a file`, { source })
    if (info.size === 0) throw new InvalidArgumentError(`${source} is empty (0 bytes): ${EMPTY_INPUT_HINT}`, { source })
  }
  const doc = { version: 1, name: 'transcode', inputs: { source: input }, nodes: { [TRANSCODE_NODE]: { type: 'transcode', inputs: ['source'], config: settings } }, output: TRANSCODE_NODE }
  try {
    return { recipe: validateRecipe(doc, stepCatalog), recipeDir: io.cwd, path: source, overrides: {} }
  } catch (err: unknown) {
    if (!(err instanceof RecipeError)) throw err
    // `nodes.transcode.config.chunkSeconds: …` → `--chunk-seconds: …`
    const prefix = `nodes.${TRANSCODE_NODE}.config.`
    const message = err.message.replaceAll(new RegExp(`${prefix.replaceAll('.', '\\.')}(\\w+)`, 'g'), (_, field: string) => FLAG_OF[field] ?? field)
    throw new InvalidArgumentError(`artdag transcode: ${message}`, { field: err.field })
  }
}
