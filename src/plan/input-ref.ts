import { isAbsolute, join, normalize } from 'node:path'
import { CID } from 'multiformats/cid'
import { InputOverrideError, InvalidInputCidError, UnknownInputError } from './errors.ts'
import { ID_PATTERN, ID_RULE } from './schema.ts'
import type { Recipe } from './schema.ts'

/**
 * Recipe inputs name either content already in IPFS (a CID) or a local file
 * (a path the CLI adds to IPFS before planning). These helpers are pure: they
 * never touch the file system.
 */
export type InputRef =
  | { kind: 'cid', cid: string }
  | { kind: 'path', path: string }

const IPFS_URL = 'ipfs://'

/** Parses a CID string (CIDv0 `Qm…` or CIDv1 in base32, base58btc or base36), or returns undefined. */
export function parseCid (value: string): CID | undefined {
  try {
    return CID.parse(value)
  } catch {
    return undefined
  }
}

/**
 * The form of a CID that goes into identities: CIDv1, base32. A CIDv0 and
 * its CIDv1 name the same content, so they must give the same cache_id.
 */
export function canonicalCid (cid: CID): string {
  return cid.toV1().toString()
}

/**
 * A CID (bare, or as `ipfs://CID`) or else a path. The CID comes back in its
 * canonical form (CIDv1, base32).
 */
export function classifyInputRef (value: string): InputRef {
  const bare = value.startsWith(IPFS_URL) ? value.slice(IPFS_URL.length).replace(/\/$/, '') : value
  const cid = parseCid(bare)
  if (cid != null) return { kind: 'cid', cid: canonicalCid(cid) }
  if (bare !== value) throw new InvalidInputCidError(`"${value}" is not a CID`)
  return { kind: 'path', path: value }
}

/**
 * A recipe's relative input path, resolved against the recipe file's
 * directory (absolute paths are kept). `recipeDir` should itself be absolute.
 */
export function resolveInputPath (path: string, recipeDir: string): string {
  return isAbsolute(path) ? normalize(path) : join(recipeDir, path)
}

/** What to do about an input file of 0 bytes (a copy that failed, a download not finished): no step can read it. */
export const EMPTY_INPUT_HINT = 'no step can read it; give the finished file (a video, a sound or a picture)'

/** `name=PATH|CID`, as given to `--input`. */
export function parseInputFlag (flag: string): { name: string, value: string } {
  const eq = flag.indexOf('=')
  if (eq <= 0 || eq === flag.length - 1) {
    throw new InputOverrideError(`--input ${flag}: expected name=PATH or name=CID`)
  }
  const name = flag.slice(0, eq)
  const value = flag.slice(eq + 1)
  if (!ID_PATTERN.test(name)) {
    throw new InputOverrideError(`--input ${flag}: "${name}" is not an input name (${ID_RULE})`)
  }
  return { name, value }
}

/**
 * The recipe with some inputs pointing elsewhere (`--input name=PATH|CID`).
 * Naming an input the recipe does not have is an error: it is almost always
 * a typo, and silently ignoring it would render the wrong thing.
 */
export function applyInputOverrides (recipe: Recipe, overrides: Readonly<Record<string, string>>): Recipe {
  const inputs = { ...recipe.inputs }
  for (const [name, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(recipe.inputs, name)) {
      const known = Object.keys(recipe.inputs)
      throw new UnknownInputError(`--input ${name}: the recipe has no input "${name}" (its inputs: ${known.length > 0 ? known.join(', ') : 'none'})`, { field: `inputs.${name}` })
    }
    if (value === '') throw new InputOverrideError(`--input ${name}: the value is empty`, { field: `inputs.${name}` })
    inputs[name] = value
  }
  return { ...recipe, inputs }
}
