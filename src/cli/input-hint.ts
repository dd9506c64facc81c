/** Where a recipe's inputs came from: the file that names them, and the `--input` flags. */
export interface InputSources {
  path: string
  overrides: Readonly<Record<string, string>>
  recipe: { inputs: Readonly<Record<string, string>> }
}

/**
 * When a step failed on one of the recipe's inputs (the error names `input "clip"`), which file
 * that was: the engine and the daemon know an input only by its CID. Gives ` on input clip
 * (FILE, given with --input)`, or '' when the error names none of the recipe's inputs.
 */
export function inputHint (error: string | null | undefined, loaded: InputSources | undefined): string {
  if (loaded === undefined || error == null) return ''
  const named = [...error.matchAll(/input "([a-z][a-z0-9_-]*)"/g)].map(m => m[1] as string)
  const files = [...new Set(named)].flatMap(name => {
    const given = loaded.overrides[name] ?? loaded.recipe.inputs[name]
    return given != null ? [`input ${name} (${given}, ${loaded.overrides[name] != null ? 'given with --input' : `named in ${loaded.path}`})`] : []
  })
  return files.length > 0 ? ` on ${files.join(' and ')}` : ''
}
