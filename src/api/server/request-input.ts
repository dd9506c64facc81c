import type { z } from 'zod'
import { describeIssues } from '../../protocol/index.ts'
import { InvalidCidError } from '../../errors.ts'
import { InvalidRequestError } from '../errors.ts'
import type { RouteDef } from '../routes.ts'

/**
 * Validates a request's params, query and body against its route's schemas.
 * Errors name the part and the field (`query.offset: must be a non-negative
 * integer`); a bad CID in the path is an InvalidCidError that quotes it.
 */

type Output<S> = S extends z.ZodType ? z.output<S> : undefined

export interface RouteInput<R extends RouteDef> {
  params: Output<R['params']>
  query: Output<R['query']>
  body: Output<R['body']>
}

function parsePart (schema: z.ZodType, value: unknown, part: 'params' | 'query' | 'body', where: string): unknown {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const message = `${where}: ${describeIssues(result.error, part === 'params' ? '' : part)}`
  if (part === 'params' && result.error.issues.some(issue => issue.message.startsWith('not a CID'))) {
    throw new InvalidCidError(message)
  }
  throw new InvalidRequestError(message)
}

export function parseRouteInput<R extends RouteDef> (def: R, raw: { params: unknown, query: unknown, body: unknown }): RouteInput<R> {
  const where = `${def.method} ${def.path}`
  return {
    params: parsePart(def.params, raw.params, 'params', where),
    query: parsePart(def.query, raw.query ?? {}, 'query', where),
    body: def.body === undefined ? undefined : parsePart(def.body, raw.body, 'body', where)
  } as RouteInput<R>
}
