import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'
import type { Document, Node as YamlNode } from 'yaml'

/**
 * A recipe as typed in the page: parsed with the `yaml` package keeping
 * source positions, so an error the planner reports by path
 * (`nodes.part.config.start`, `nodes.out.inputs[1]`) is shown at its line.
 * Pure: no DOM, no network.
 */

export interface LineError {
  /** 1-based; null when nothing in the text matches the error's path. */
  line: number | null
  message: string
  name: string
}

export type ParsedRecipe =
  | { ok: true, value: Record<string, unknown>, doc: Document.Parsed, lines: LineCounter }
  | { ok: false, errors: LineError[] }

export type PathSegment = string | number

/** `nodes.part.config.start`, `nodes.out.inputs[1]`, `nodes["a b"].type` → segments. */
export function parseFieldPath (field: string): PathSegment[] {
  const segments: PathSegment[] = []
  const pattern = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g
  for (const match of field.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(Number(match[1]))
    else if (match[2] !== undefined) segments.push(JSON.parse(match[2]) as string)
    else if (match[3] !== undefined) segments.push(match[3])
  }
  return segments
}

export function parseRecipeText (text: string): ParsedRecipe {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true, version: '1.2', schema: 'core', merge: false })
  const problems = [...doc.errors, ...doc.warnings]
  if (problems.length > 0) {
    return {
      ok: false,
      errors: problems.map(e => ({ line: lines.linePos(e.pos[0]).line, message: e.message.split('\n')[0] ?? e.message, name: 'RecipeSyntaxError' }))
    }
  }
  const value = doc.toJS() as unknown
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, errors: [{ line: 1, message: 'a recipe is a mapping (version, name, nodes, output)', name: 'RecipeSchemaError' }] }
  }
  return { ok: true, value: value as Record<string, unknown>, doc, lines }
}

/**
 * The line of the deepest node on `path` that the text has: the value itself,
 * or, for a key that is missing or misspelt, the mapping that should hold it.
 * A path ending at a key points at the key's line.
 */
export function lineOfPath (doc: Document.Parsed, lines: LineCounter, path: PathSegment[]): number | null {
  let node: unknown = doc.contents
  let line: number | null = node != null && (node as YamlNode).range != null ? lines.linePos((node as YamlNode).range![0]).line : null
  for (const segment of path) {
    let next: unknown
    let keyStart: number | undefined
    if (isMap(node)) {
      const pair = node.items.find(p => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment))
      if (pair === undefined) break
      keyStart = isScalar(pair.key) ? pair.key.range?.[0] : undefined
      next = pair.value
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment]
    } else {
      break
    }
    const start = keyStart ?? (next as YamlNode | null)?.range?.[0]
    if (start === undefined) break
    line = lines.linePos(start).line
    if (next == null) break
    node = next
  }
  return line
}

interface ErrorBody {
  name: string
  message: string
  details?: { field?: unknown, line?: unknown, issues?: unknown, [key: string]: unknown }
}

/** The daemon's recipe error (one, or every issue it lists) at the lines of the text. */
export function errorLines (parsed: Extract<ParsedRecipe, { ok: true }>, error: ErrorBody): LineError[] {
  const issues = Array.isArray(error.details?.issues)
    ? (error.details.issues as Array<{ name?: string, message?: string, field?: string }>)
    : [{ name: error.name, message: error.message, field: typeof error.details?.field === 'string' ? error.details.field : undefined }]
  return issues.map(issue => {
    const field = issue.field
    let line: number | null = null
    if (typeof error.details?.line === 'number' && issues.length === 1) line = error.details.line
    else if (field !== undefined && field !== '') line = lineOfPath(parsed.doc, parsed.lines, parseFieldPath(field))
    return { line, message: issue.message ?? error.message, name: issue.name ?? error.name }
  })
}
