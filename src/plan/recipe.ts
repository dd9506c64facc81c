import type { StepCatalog } from './catalog.ts'
import { parseRecipe } from './parse.ts'
import type { ParseRecipeOptions } from './parse.ts'
import type { Recipe } from './schema.ts'
import { validateRecipe } from './validate.ts'

/** Recipe text (YAML or JSON) → a validated recipe: `parseRecipe` then `validateRecipe`. */
export function loadRecipe (text: string | Uint8Array, catalog: StepCatalog, options: ParseRecipeOptions = {}): Recipe {
  const doc = parseRecipe(text, options)
  return validateRecipe(doc, catalog, options.limits != null ? { limits: options.limits } : {})
}
