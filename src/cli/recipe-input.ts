import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { errorCode, errorMessage, InvalidArgumentError, NotFoundError } from '../errors.ts'
import type { CliIo } from './command.ts'
import type { Recipe } from '../plan/index.ts'

export interface LoadedRecipe {
  recipe: Recipe
  /** Relative paths inside the recipe are resolved against it. */
  recipeDir: string
  path: string
  /** `--input` values, with paths made absolute against the current directory. */
  overrides: Record<string, string>
}

/** Reads and validates a recipe and its `--input name=PATH|CID` flags; starts nothing. A missing recipe is not found (exit 3). */
export async function loadRecipeArgs (file: string, inputs: string[], io: CliIo): Promise<LoadedRecipe> {
  const [{ loadRecipe, parseInputFlag, classifyInputRef }, { stepCatalog }] = await Promise.all([
    import('../plan/index.ts'),
    import('../exec/index.ts')
  ])
  const path = resolve(io.cwd, file)
  let text: Uint8Array
  try {
    text = await readFile(path)
  } catch (err: unknown) {
    if (errorCode(err) === 'ENOENT') throw new NotFoundError(`recipe ${file} does not exist`, { recipe: file })
    throw new InvalidArgumentError(`cannot read recipe ${file}: ${errorMessage(err)}`, { recipe: file })
  }
  const recipe = loadRecipe(text, stepCatalog, { source: file })
  const overrides: Record<string, string> = {}
  for (const flag of inputs) {
    const { name, value } = parseInputFlag(flag)
    const ref = classifyInputRef(value)
    // A path given on the command line is relative to where the command runs, not to the recipe.
    overrides[name] = ref.kind === 'path' ? resolve(io.cwd, ref.path) : ref.cid
  }
  return { recipe, recipeDir: dirname(path), path, overrides }
}

/** The file format a recipe node's output is in (`mp4`, `webm`, `mkv`, `png`, `json`), from its step type and config. */
export async function outputFormats (recipe: Recipe): Promise<(node: string) => string | undefined> {
  const { executors } = await import('../exec/index.ts')
  return node => {
    const n = recipe.nodes[node]
    if (n === undefined) return undefined
    try {
      return executors.get(n.type)?.output(n.config as never).extension
    } catch {
      return undefined
    }
  }
}

/** A line for stderr naming the nodes no output reads (they are not rendered), or nothing. */
export function unusedNote (unused: readonly string[], unusedInputs: readonly string[]): string | undefined {
  const parts = [
    ...(unused.length > 0
      ? [
        `node${unused.length > 1 ? 's' : ''} ${unused.join(', ')} ${unused.length > 1 ? 'are' : 'is'} not used by any output and will not render (list ${unused.length > 1 ? 'them' : 'it'} under outputs: to render ${
          unused.length > 1 ? 'them' : 'it'
        } too)`
      ]
      : []),
    ...(unusedInputs.length > 0 ? [`input${unusedInputs.length > 1 ? 's' : ''} ${unusedInputs.join(', ')} ${unusedInputs.length > 1 ? 'are' : 'is'} read by no planned step`] : [])
  ]
  return parts.length > 0 ? `note: ${parts.join('; ')}` : undefined
}
