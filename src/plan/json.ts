/**
 * Plain JSON values, and the walk that turns parsed YAML (or anything handed
 * to the planner) into them: fresh objects, finite numbers, string keys, no
 * prototype tricks, bounded depth and size. Everything the planner hashes has
 * been through this walk, so DAG-CBOR always sees the same kinds of values.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject
export interface JsonObject {
  [key: string]: JsonValue
}

export type PathSegment = string | number

/** Keys that change an object's prototype or confuse merge helpers downstream. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/

/** `nodes.part.config.start`, `nodes.joined.inputs[1]`, `config["odd key"]`. */
export function formatPath (path: readonly PathSegment[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else if (SIMPLE_KEY.test(seg)) out += out === '' ? seg : `.${seg}`
    else out += `[${JSON.stringify(seg)}]`
  }
  return out
}

export type PlainJsonProblemCode = 'reserved_key' | 'not_json' | 'too_deep' | 'too_many_values'

export interface PlainJsonProblem {
  code: PlainJsonProblemCode
  path: PathSegment[]
  message: string
}

export type PlainJsonResult =
  | { ok: true, value: JsonValue }
  | { ok: false, problem: PlainJsonProblem }

export interface PlainJsonLimits {
  maxDepth: number
  maxValues: number
}

class Problem extends Error {
  readonly problem: PlainJsonProblem
  constructor (problem: PlainJsonProblem) {
    super(problem.message)
    this.problem = problem
  }
}

function describeValue (value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'number') return String(value)
  if (typeof value === 'bigint') return 'a bigint'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'symbol') return 'a symbol'
  if (value instanceof Date) return 'a date'
  if (value instanceof Uint8Array) return 'binary data'
  if (value instanceof Set) return 'a set'
  return `a ${Object.prototype.toString.call(value).slice(8, -1).toLowerCase()}`
}

function isPlainObject (value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Copies `value` into plain JSON. Accepts `Map`s with string keys (what the
 * YAML parser yields with `mapAsMap`) and plain objects; rejects everything
 * else (dates, binary, sets, non-finite numbers, unsafe integers, class instances).
 */
export function toPlainJson (value: unknown, limits: PlainJsonLimits, basePath: readonly PathSegment[] = []): PlainJsonResult {
  let count = 0
  const fail = (code: PlainJsonProblemCode, path: PathSegment[], message: string): never => {
    throw new Problem({ code, path, message })
  }

  const walk = (v: unknown, path: PathSegment[], depth: number): JsonValue => {
    if (++count > limits.maxValues) {
      fail('too_many_values', path, `the document has more than ${limits.maxValues} values (aliases expanded)`)
    }
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail('not_json', path, `${String(v)} is not allowed: numbers must be finite`)
      if (Number.isInteger(v) && !Number.isSafeInteger(v)) fail('not_json', path, `${v} is too large an integer to keep exactly`)
      return v
    }
    if (typeof v !== 'object') return fail('not_json', path, `${describeValue(v)} is not plain data`)
    if (depth >= limits.maxDepth) fail('too_deep', path, `nested more than ${limits.maxDepth} levels deep`)

    if (Array.isArray(v)) {
      const out: JsonValue[] = []
      for (let i = 0; i < v.length; i++) out.push(walk(v[i], [...path, i], depth + 1))
      return out
    }
    let entries: Array<[unknown, unknown]>
    if (v instanceof Map) entries = [...v.entries()]
    else if (isPlainObject(v)) entries = Object.keys(v).map(k => [k, v[k]])
    else return fail('not_json', path, `${describeValue(v)} is not plain data`)

    const out: JsonObject = {}
    for (const [key, item] of entries) {
      if (typeof key !== 'string') fail('not_json', path, `keys must be strings, found ${describeValue(key)}`)
      const k = key as string
      if (RESERVED_KEYS.has(k)) fail('reserved_key', [...path, k], `"${k}" is a reserved key and may not appear in a recipe`)
      out[k] = walk(item, [...path, k], depth + 1)
    }
    return out
  }

  try {
    return { ok: true, value: walk(value, [...basePath], 0) }
  } catch (err: unknown) {
    if (err instanceof Problem) return { ok: false, problem: err.problem }
    throw err
  }
}

export function isJsonObject (value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
