import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { InvalidArgumentError, errorCode, errorMessage } from '../errors.ts'
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

/** Reads and validates a recipe and its `--input name=PATH|CID` flags; starts nothing. */
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
    throw new InvalidArgumentError(errorCode(err) === 'ENOENT' ? `recipe ${file} does not exist` : `cannot read recipe ${file}: ${errorMessage(err)}`, { recipe: file })
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
