import * as dagCbor from '@ipld/dag-cbor'
import type { JsonValue } from './json.ts'
import type { Recipe } from './schema.ts'

/**
 * The canonical form of a recipe: what it computes, and nothing about where
 * its files happen to live. Input references (paths or CIDs as written) are
 * left out; the CIDs they resolve to are hashed beside it, by name. Configs
 * are normalized (defaults filled), so writing a default or leaving it out
 * gives the same recipe; DAG-CBOR sorts map keys, so key order never matters.
 */
export interface CanonicalRecipe {
  version: 1
  name: string
  /** The input names, sorted. */
  inputs: string[]
  nodes: Record<string, { type: string, inputs: string[], config: Record<string, unknown> }>
  output: string
  /** Only for a recipe with several outputs: a recipe with one is hashed as it always was. */
  outputs?: string[]
}

/** Code-unit order; names and ids are ASCII, so this is also byte order. */
export function sortStrings (values: Iterable<string>): string[] {
  return [...values].sort((a, b) => a < b ? -1 : a > b ? 1 : 0)
}

export function canonicalRecipe (recipe: Recipe): CanonicalRecipe {
  const nodes: CanonicalRecipe['nodes'] = {}
  for (const id of sortStrings(Object.keys(recipe.nodes))) {
    const node = recipe.nodes[id] as Recipe['nodes'][string]
    nodes[id] = { type: node.type, inputs: [...node.inputs], config: node.config }
  }
  return {
    version: recipe.version,
    name: recipe.name,
    inputs: sortStrings(Object.keys(recipe.inputs)),
    nodes,
    output: recipe.output,
    ...(recipe.outputs != null && recipe.outputs.length > 1 ? { outputs: [...recipe.outputs] } : {})
  }
}

/** Deterministic DAG-CBOR bytes of a value (map keys sorted length-first, then bytewise). */
export function encodeCanonical (value: unknown): Uint8Array {
  return dagCbor.encode(value)
}

export function canonicalRecipeBytes (recipe: Recipe): Uint8Array {
  return encodeCanonical(canonicalRecipe(recipe))
}

/** The canonical recipe as JSON text with sorted keys, for people and diffs (not hashed). */
export function canonicalRecipeJson (recipe: Recipe): string {
  return JSON.stringify(sortKeys(canonicalRecipe(recipe) as unknown as JsonValue), null, 2)
}

function sortKeys (value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, JsonValue> = {}
  for (const key of sortStrings(Object.keys(value))) out[key] = sortKeys(value[key] as JsonValue)
  return out
}
