import { createHash } from 'node:crypto'
import type { CID } from 'multiformats/cid'
import { encodeCanonical } from './canonical.ts'
import type { CanonicalRecipe } from './canonical.ts'

/**
 * The identities the planner computes. Each is SHA3-256, lowercase hex, over
 * the DAG-CBOR encoding of a small map; docs/RECIPES.md spells them out so
 * another implementation can reproduce them byte for byte.
 */

/** Bump when the planner would give a different plan for the same recipe, inputs and catalog. */
export const PLANNER_VERSION = '1'
/** The `v` field of the cache_id preimage. */
export const CACHE_ID_VERSION = 1
/** The `v` field of the plan_id and run_id preimages. */
export const PLAN_ID_VERSION = 1

export function sha3Hex (bytes: Uint8Array): string {
  return createHash('sha3-256').update(bytes).digest('hex')
}

/** A step input as hashed: a recipe input's CID (a DAG-CBOR link) or an upstream step's cache_id (a string). */
export type CacheIdInput = CID | string

export interface CacheIdParts {
  type: string
  /** Normalized: plain JSON, defaults filled. */
  config: Record<string, unknown>
  /** In the node's order; CIDs are CIDv1. */
  inputs: readonly CacheIdInput[]
  /** The step definition's version. */
  executor: string
}

/** SHA3-256(DAG-CBOR({ v, type, config, inputs, executor })). */
export function computeCacheId (parts: CacheIdParts): string {
  return sha3Hex(encodeCanonical({
    v: CACHE_ID_VERSION,
    type: parts.type,
    config: parts.config,
    inputs: [...parts.inputs],
    executor: parts.executor
  }))
}

/**
 * SHA3-256(DAG-CBOR({ v, recipe, inputs })): the identity of a render
 * request, the same on every node and across artdag versions. `inputs` maps
 * each input name to its CID; DAG-CBOR sorts the map by name, so the CIDs
 * are hashed sorted and still bound to the inputs they fill.
 */
export function computeRunId (recipe: CanonicalRecipe, inputs: Readonly<Record<string, CID>>): string {
  return sha3Hex(encodeCanonical({ v: PLAN_ID_VERSION, recipe, inputs: { ...inputs } }))
}

/**
 * SHA3-256(DAG-CBOR({ v, recipe, inputs, planner, executors })): the identity
 * of a plan. Beyond the run it also covers the planner version and the
 * version of every step type the recipe uses, because either changes the
 * plan's cache_ids; two nodes with the same plan_id agree on every step.
 */
export function computePlanId (recipe: CanonicalRecipe, inputs: Readonly<Record<string, CID>>, executors: Readonly<Record<string, string>>): string {
  return sha3Hex(encodeCanonical({ v: PLAN_ID_VERSION, recipe, inputs: { ...inputs }, planner: PLANNER_VERSION, executors: { ...executors } }))
}
