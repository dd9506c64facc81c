/**
 * `fields` without the ones that are undefined. Under `exactOptionalPropertyTypes` an optional
 * property is absent or set, never `undefined`; wire messages (dag-cbor refuses `undefined`),
 * snapshots and strict schemas need it absent. `{ ...defined({ sig: a.sig }) }` says so once.
 */
export function defined<T extends Record<string, unknown>> (fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value
  return out as { [K in keyof T]?: Exclude<T[K], undefined> }
}

/** `fields` without the ones that are null or undefined (optional inputs that may come as either). */
export function present<T extends Record<string, unknown>> (fields: T): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) if (value !== undefined && value !== null) out[key] = value
  return out as { [K in keyof T]?: Exclude<T[K], null | undefined> }
}
