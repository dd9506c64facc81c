import type { z } from 'zod'
import type { RecipeIssue } from './errors.ts'
import { formatPath } from './json.ts'
import type { PathSegment } from './json.ts'
import { NODE_FIELDS, TOP_LEVEL_FIELDS } from './schema.ts'
import { closest } from './suggest.ts'
import { present } from '../defined.ts'

/**
 * Turns zod's issues into recipe issues whose messages read like the rest of
 * artdag's: `nodes.part.inputs[0]: must be a string, not a number`.
 */

/** Fields people reach for to pass ffmpeg through; recipes never accept them. */
export const RAW_FFMPEG_FIELDS: ReadonlySet<string> = new Set([
  'args',
  'arguments',
  'argv',
  'cmd',
  'command',
  'ffmpeg',
  'ffmpeg_args',
  'filter',
  'filters',
  'filter_complex',
  'filtergraph',
  'vf',
  'af',
  'lavfi',
  'options',
  'extra_args'
])

const RAW_FFMPEG_HINT = 'recipes cannot carry raw ffmpeg arguments or filtergraphs; express the work with step types and their config (see docs/RECIPES.md, "Safety")'

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  null: 'null'
}

export function describeJson (value: unknown): string {
  if (value === undefined) return 'missing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`
    case 'number':
      return `the number ${value}`
    case 'boolean':
      return String(value)
    case 'object':
      return 'a mapping'
    default:
      return typeof value
  }
}

function valueAt (doc: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = doc
  for (const seg of path) {
    if (typeof cur !== 'object' || cur === null) return undefined
    if (!Object.hasOwn(cur, seg)) return undefined
    cur = (cur as Record<PropertyKey, unknown>)[seg]
  }
  return cur
}

function toSegments (path: readonly PropertyKey[]): PathSegment[] {
  return path.map(seg => typeof seg === 'number' ? seg : String(seg))
}

function nodeOf (path: readonly PathSegment[]): string | undefined {
  return path[0] === 'nodes' && typeof path[1] === 'string' ? path[1] : undefined
}

function unknownFieldMessage (objectPath: readonly PathSegment[], key: string): string {
  if (RAW_FFMPEG_FIELDS.has(key)) return `unknown field; ${RAW_FFMPEG_HINT}`
  const near = (fields: readonly string[]): string => {
    const hint = closest(key, fields)
    return hint !== undefined ? `did you mean "${hint}"? ` : ''
  }
  if (objectPath.length === 0) return `unknown field (${near(TOP_LEVEL_FIELDS)}a recipe has ${TOP_LEVEL_FIELDS.join(', ')})`
  if (objectPath.length === 2 && objectPath[0] === 'nodes') return `unknown field (${near(NODE_FIELDS)}a node has ${NODE_FIELDS.join(', ')}; step parameters go under config)`
  return 'unknown field'
}

export function schemaIssues (error: z.ZodError, doc: unknown): RecipeIssue[] {
  const out: RecipeIssue[] = []
  const push = (path: readonly PathSegment[], message: string): void => {
    const field = formatPath(path)
    const node = nodeOf(path)
    out.push({
      name: 'RecipeSchemaError',
      message: field === '' ? message : `${field}: ${message}`,
      ...present({ node }),
      ...(field !== '' ? { field } : {})
    })
  }

  for (const issue of error.issues) {
    const path = toSegments(issue.path)
    switch (issue.code) {
      case 'invalid_type': {
        const value = valueAt(doc, issue.path)
        const expected = EXPECTED[issue.expected] ?? issue.expected
        push(path, value === undefined ? `is required (${expected})` : `must be ${expected}, not ${describeJson(value)}`)
        break
      }
      case 'unrecognized_keys':
        for (const key of issue.keys) push([...path, key], unknownFieldMessage(path, key))
        break
      case 'invalid_key': {
        const what = path[0] === 'nodes' ? 'node id' : path[0] === 'inputs' ? 'input name' : 'key'
        const inner = issue.issues[0]?.message ?? issue.message
        push(path, `invalid ${what}: ${inner}`)
        break
      }
      default:
        push(path, issue.message)
    }
  }
  return out
}
