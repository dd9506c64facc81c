import { z } from 'zod'

/**
 * The shape of a recipe document (format version 1). Semantic rules (references,
 * cycles, step types, configs) are checked afterwards by `validateRecipe`.
 */
export const RECIPE_VERSION = 1

/** The recipe's `name`: a slug. */
export const RECIPE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/
/** Node ids and input names. */
export const ID_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/
/** Step type names as the catalog spells them. */
export const STEP_TYPE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/
export const MAX_INPUT_REF_LENGTH = 4096
/** A schema bound only; each step type's arity is usually much smaller. */
export const MAX_NODE_INPUTS = 256

export const ID_RULE = 'lowercase letters, digits, "_" and "-", starting with a letter, at most 64 characters'
export const RECIPE_NAME_RULE = 'lowercase letters, digits, "_" and "-", starting with a letter or digit, at most 64 characters'

export const TOP_LEVEL_FIELDS = ['version', 'name', 'inputs', 'nodes', 'output', 'outputs'] as const
export const NODE_FIELDS = ['type', 'inputs', 'config'] as const

const idSchema = z.string().regex(ID_PATTERN, `must be ${ID_RULE}`)

const inputRefSchema = z.string()
  .min(1, 'must not be empty')
  .max(MAX_INPUT_REF_LENGTH, `must be at most ${MAX_INPUT_REF_LENGTH} characters`)
  // oxlint-disable-next-line no-control-regex -- matching control characters is the point
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters')

const nodeSchema = z.strictObject({
  type: z.string().regex(STEP_TYPE_PATTERN, 'must be a step type name (lowercase letters, digits and "_")'),
  inputs: z.array(idSchema).max(MAX_NODE_INPUTS, `must list at most ${MAX_NODE_INPUTS} inputs`).optional(),
  config: z.record(z.string(), z.unknown()).optional()
})

export const recipeDocumentSchema = z.strictObject({
  version: z.literal(RECIPE_VERSION),
  name: z.string().regex(RECIPE_NAME_PATTERN, `must be a slug: ${RECIPE_NAME_RULE}`),
  inputs: z.record(idSchema, inputRefSchema).optional(),
  nodes: z.record(idSchema, nodeSchema),
  /** The node whose output is the result; or `outputs`, several of them (the first is the main one). */
  output: idSchema.optional(),
  outputs: z.array(idSchema).min(1, 'must name at least one node').max(MAX_NODE_INPUTS, `must list at most ${MAX_NODE_INPUTS} nodes`).optional()
})

export type RecipeDocument = z.infer<typeof recipeDocumentSchema>

/** A node after validation: inputs and config always present, config normalized by its step type. */
export interface RecipeNode {
  type: string
  inputs: string[]
  config: Record<string, unknown>
}

/**
 * A validated recipe: plain JSON, every default filled, nodes in document
 * order. `validateRecipe` of it returns an equal recipe.
 */
export interface Recipe {
  version: typeof RECIPE_VERSION
  name: string
  /** Input name → a path or a CID, as written. */
  inputs: Record<string, string>
  nodes: Record<string, RecipeNode>
  /** The main output (the first of `outputs`). */
  output: string
  /** Every output, when the recipe names several (left out for one: such a recipe plans as before). */
  outputs?: string[]
}

/** A recipe's output nodes, the main one first. */
export function outputsOf (recipe: Pick<Recipe, 'output' | 'outputs'>): string[] {
  return recipe.outputs ?? [recipe.output]
}
