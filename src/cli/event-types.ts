import { InvalidArgumentError } from '../errors.ts'
import { closest } from '../plan/light/index.ts'

/**
 * Checks `artdag events --type` values against the types the stream knows: a type, or a prefix
 * of whole segments (`step` for `step.*`). An unknown one would match nothing and the command
 * would wait in silence; it is refused, naming the nearest type and the families.
 */
export function checkEventTypes (given: readonly string[], known: ReadonlySet<string>): void {
  const families = new Set([...known].map(type => type.split('.')[0] as string))
  for (const type of given) {
    if (known.has(type) || [...known].some(k => k.startsWith(`${type}.`))) continue
    const near = closest(type, [...known, ...families])
    throw new InvalidArgumentError(
      `--type ${type}: no event has this type${near !== undefined ? ` (did you mean ${near}?)` : ''}; the types are ${[...families].join(', ')}, or one of theirs (step.failed, member.dead…)`,
      { type }
    )
  }
}
