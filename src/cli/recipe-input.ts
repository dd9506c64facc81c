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

/** A recipe file read and parsed (YAML or JSON): its syntax checked, not yet its contents. */
export interface ReadRecipe {
  /** The parsed document: plain JSON data. */
  doc: unknown
  /** The file as given on the command line. */
  file: string
  /** Its absolute path. */
  path: string
}

/** Reads and parses a recipe file; starts nothing. A missing recipe is not found (exit 3). */
export async function readRecipe (file: string, io: CliIo): Promise<ReadRecipe> {
  const { parseRecipe } = await import('../plan/light/index.ts')
  const path = resolve(io.cwd, file)
  let text: Uint8Array
  try {
    text = await readFile(path)
  } catch (err: unknown) {
    if (errorCode(err) === 'ENOENT') throw new NotFoundError(`recipe ${file} does not exist`, { recipe: file })
    throw new InvalidArgumentError(`cannot read recipe ${file}: ${errorMessage(err)}`, { recipe: file })
  }
  return { doc: parseRecipe(text, { source: file }), file, path }
}

/** Checks a parsed recipe against the recipe format and the step catalog, and its `--input name=PATH|CID` flags. */
export async function checkRecipe (read: ReadRecipe, inputs: string[], io: CliIo): Promise<LoadedRecipe> {
  const [{ validateRecipe, parseInputFlag, classifyInputRef }, { stepCatalog }] = await Promise.all([
    import('../plan/index.ts'),
    import('../exec/light/index.ts')
  ])
  const recipe = validateRecipe(read.doc, stepCatalog)
  const overrides: Record<string, string> = {}
  for (const flag of inputs) {
    const { name, value } = parseInputFlag(flag)
    const ref = classifyInputRef(value)
    // A path given on the command line is relative to where the command runs, not to the recipe.
    overrides[name] = ref.kind === 'path' ? resolve(io.cwd, ref.path) : ref.cid
  }
  return { recipe, recipeDir: dirname(read.path), path: read.path, overrides }
}

/** Reads and validates a recipe and its `--input name=PATH|CID` flags; starts nothing. A missing recipe is not found (exit 3). */
export async function loadRecipeArgs (file: string, inputs: string[], io: CliIo): Promise<LoadedRecipe> {
  return await checkRecipe(await readRecipe(file, io), inputs, io)
}

/** A job request made from a parsed recipe whose inputs are all CIDs (nothing to upload), unchecked. */
export interface UncheckedRequest {
  recipe: Record<string, unknown>
  /** Input name → CID (canonical), `--input` flags applied. */
  inputs: Record<string, string>
  /** `--input` flags as given (CIDs), by input name. */
  overrides: Record<string, string>
  /** The output nodes the recipe names, the main one first. */
  outputs: string[]
}

/**
 * The job request for a recipe that names no local file: every input, `--input` flags applied,
 * is a CID. Undefined when one is a path (it must be uploaded, and the recipe checked before
 * that), or when the document is not plainly a recipe's shape: then the full check runs, and
 * says what is wrong as it always does.
 */
export async function requestWithoutUpload (doc: unknown, flags: readonly string[]): Promise<UncheckedRequest | undefined> {
  const { classifyInputRef, parseInputFlag } = await import('../plan/light/index.ts')
  if (!isPlainObject(doc)) return undefined
  const given = Object.hasOwn(doc, 'inputs') ? doc.inputs : {}
  if (!isPlainObject(given)) return undefined
  const outputs = Array.isArray(doc.outputs) ? doc.outputs : [doc.output]
  if (outputs.length === 0 || !outputs.every(o => typeof o === 'string')) return undefined
  try {
    const overrides: Record<string, string> = {}
    for (const flag of flags) {
      const { name, value } = parseInputFlag(flag)
      const ref = classifyInputRef(value)
      if (ref.kind !== 'cid' || !Object.hasOwn(given, name)) return undefined
      overrides[name] = ref.cid
    }
    const inputs: Record<string, string> = {}
    for (const [name, value] of Object.entries(given)) {
      if (typeof value !== 'string') return undefined
      const ref = classifyInputRef(overrides[name] ?? value)
      if (ref.kind !== 'cid') return undefined
      inputs[name] = ref.cid
    }
    return { recipe: { ...doc, inputs }, inputs, overrides, outputs: outputs as string[] }
  } catch {
    // A flag or an input the full check refuses: it says what is wrong.
    return undefined
  }
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The file format a recipe node's output is in (`mp4`, `webm`, `mkv`, `png`, `json`), from its step type and config. */
export async function outputFormats (recipe: Recipe): Promise<(node: string) => string | undefined> {
  const { executors } = await import('../exec/light/index.ts')
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

/** The file format of a recipe's main output, or undefined when the recipe or its step cannot say (checked against the catalog). */
export async function mainOutputFormat (read: ReadRecipe, inputs: string[], io: CliIo): Promise<string | undefined> {
  try {
    const { recipe } = await checkRecipe(read, inputs, io)
    return (await outputFormats(recipe))(recipe.output)
  } catch {
    return undefined
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
