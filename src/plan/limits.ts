/**
 * Resource limits on recipes. A recipe can come from anyone who can reach the
 * status socket or the job topic, so every dimension the parser and the
 * planner walk is bounded before the work is done.
 */
export interface RecipeLimits {
  /**
   * Largest recipe text, in UTF-8 bytes.
   * @default 262144 (256 KiB)
   */
  maxBytes: number
  /**
   * The YAML alias budget handed to the `yaml` package (its `maxAliasCount`,
   * which weighs each alias by the aliases inside what it points at).
   * @default 100
   */
  maxAliasCount: number
  /**
   * Most values (scalars, lists, maps) in the document once aliases are expanded.
   * @default 20000
   */
  maxValues: number
  /**
   * Deepest nesting of lists and maps.
   * @default 32
   */
  maxDepth: number
  /**
   * Most nodes in a recipe.
   * @default 500
   */
  maxNodes: number
  /**
   * Most named recipe inputs.
   * @default 64
   */
  maxInputs: number
}

export const DEFAULT_MAX_RECIPE_BYTES = 256 * 1024
export const DEFAULT_MAX_ALIAS_COUNT = 100
export const DEFAULT_MAX_VALUES = 20_000
export const DEFAULT_MAX_DEPTH = 32
export const DEFAULT_MAX_NODES = 500
export const DEFAULT_MAX_INPUTS = 64

export const DEFAULT_RECIPE_LIMITS: Readonly<RecipeLimits> = Object.freeze({
  maxBytes: DEFAULT_MAX_RECIPE_BYTES,
  maxAliasCount: DEFAULT_MAX_ALIAS_COUNT,
  maxValues: DEFAULT_MAX_VALUES,
  maxDepth: DEFAULT_MAX_DEPTH,
  maxNodes: DEFAULT_MAX_NODES,
  maxInputs: DEFAULT_MAX_INPUTS
})

export function recipeLimits (overrides: Partial<RecipeLimits> = {}): RecipeLimits {
  return { ...DEFAULT_RECIPE_LIMITS, ...overrides }
}
