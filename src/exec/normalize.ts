import type { z } from 'zod'
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

/** One ConfigIssue per problem, each naming its field; an unknown key is named itself. */
export function toConfigIssues (error: z.ZodError): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: formatPath([...issue.path, key]), message: 'unknown field' })
      continue
    }
    issues.push({ path: formatPath(issue.path), message: issue.message })
  }
  return issues
}

/** Validates and fills defaults; the result is plain JSON (no undefined) so it encodes canonically. */
export function normalizeWith (schema: z.ZodType, config: unknown): NormalizeResult {
  const parsed = schema.safeParse(config ?? {})
  if (!parsed.success) return { ok: false, issues: toConfigIssues(parsed.error) }
  return { ok: true, config: JSON.parse(JSON.stringify(parsed.data)) as Record<string, unknown> }
}

/** `text: must not contain "%{"; volumes[1]: Too big…` */
export function describeConfigIssues (issues: ConfigIssue[]): string {
  return issues.map(issue => issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`).join('; ')
}
