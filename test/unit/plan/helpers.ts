import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { StepCatalog } from '../../../src/plan/catalog.ts'
import type { Plan } from '../../../src/plan/planner.ts'

export const RECIPES_DIR = fileURLToPath(new URL('../../fixtures/recipes/', import.meta.url))
export const HOSTILE_DIR = fileURLToPath(new URL('../../fixtures/hostile-recipes/', import.meta.url))

export function readRecipe (name: string): string {
  return readFileSync(`${RECIPES_DIR}${name}`, 'utf8')
}

/** The CIDv1 (raw) of some bytes, as a string: a real CID without a store. */
export async function cidOf (text: string): Promise<string> {
  const digest = await sha256.digest(new TextEncoder().encode(text))
  return CID.create(1, raw.code, digest).toString()
}

export function cacheIds (p: Plan): Map<string, string> {
  return new Map(p.steps.map(s => [s.id, s.cacheId]))
}

/** Reverses key order at every level: same data, different text. */
export function reverseKeys (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).reverse()) out[key] = reverseKeys((value as Record<string, unknown>)[key])
  return out
}

/** The same catalog with one step type's executor version changed. */
export function withExecutorVersion (catalog: StepCatalog, type: string, version: string): StepCatalog {
  return {
    types: () => catalog.types(),
    get: t => {
      const def = catalog.get(t)
      if (def == null || t !== type) return def
      return { type: def.type, inputs: def.inputs, normalize: c => def.normalize(c), version }
    }
  }
}
