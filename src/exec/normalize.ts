import type { z } from 'zod'
import { closest } from '../plan/index.ts'
import type { ConfigIssue, NormalizeResult } from '../plan/index.ts'

/** `text`, `position.x`, `ops[2].width`: the way users write field paths. */
export function formatPath (path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? String(segment) : `.${String(segment)}`
  }
  return out
}

/** What zod's schemas hold, as far as finding an object's keys needs. */
interface SchemaParts {
  shape?: Record<string, unknown>
  _zod?: { def?: { innerType?: unknown, in?: unknown, element?: unknown, options?: unknown[] } }
}

/** A schema without its defaults, optionals and pipes. */
function unwrap (schema: unknown): SchemaParts | undefined {
  let s = schema as SchemaParts | undefined
  for (let i = 0; i < 16 && s != null && s.shape == null; i++) {
    const def = s._zod?.def
    const next = def?.innerType ?? def?.in
    if (next == null) break
    s = next as SchemaParts
  }
  return s
}

/** The keys an object in `schema` at `path` takes (for "did you mean"); empty when unknown. */
export function keysAt (schema: unknown, path: ReadonlyArray<PropertyKey>): string[] {
  let s = unwrap(schema)
  for (const segment of path) {
    if (s == null) return []
    s = typeof segment === 'number' ? unwrap(s._zod?.def?.element) : unwrap(s.shape?.[String(segment)])
  }
  return s?.shape != null ? Object.keys(s.shape) : []
}

/** One ConfigIssue per problem, each naming its field; an unknown key is named itself, with the nearest known one. */
export function toConfigIssues (error: z.ZodError, schema?: z.ZodType): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = schema !== undefined ? keysAt(schema, issue.path) : []
      for (const key of issue.keys) {
        const hint = closest(key, known)
        issues.push({ path: formatPath([...issue.path, key]), message: `unknown field${hint !== undefined ? ` (did you mean "${hint}"?)` : known.length > 0 ? ` (its fields: ${known.join(', ')})` : ''}` })
      }
      continue
    }
    issues.push({ path: formatPath(issue.path), message: issue.message })
  }
  return issues
}

/** Validates and fills defaults; the result is plain JSON (no undefined) so it encodes canonically. */
export function normalizeWith (schema: z.ZodType, config: unknown): NormalizeResult {
  const parsed = schema.safeParse(config ?? {})
  if (!parsed.success) return { ok: false, issues: toConfigIssues(parsed.error, schema) }
  return { ok: true, config: JSON.parse(JSON.stringify(parsed.data)) as Record<string, unknown> }
}

/** `text: must not contain "%{"; volumes[1]: Too big…` */
export function describeConfigIssues (issues: ConfigIssue[]): string {
  return issues.map(issue => issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`).join('; ')
}
