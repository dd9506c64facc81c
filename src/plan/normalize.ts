import type { StepCatalog } from './catalog.ts'
import { CatalogContractError } from './errors.ts'
import type { IssueList } from './errors.ts'
import { formatPath, toPlainJson } from './json.ts'
import type { JsonObject } from './json.ts'
import { closest } from './suggest.ts'

/** What a node looks like once the schema has passed it. */
export interface NodeShape {
  type: string
  inputs?: string[] | undefined
  config?: Record<string, unknown> | undefined
}

// A normalized config is never a deep tree; this only guards the contract.
const CONFIG_LIMITS = { maxDepth: 32, maxValues: 100_000 }

/** `takes exactly 1 input`, `takes 2 to 16 inputs`, `takes no inputs`. */
export function describeArity (min: number, max: number): string {
  const n = (k: number): string => `${k} input${k === 1 ? '' : 's'}`
  if (max === 0) return 'takes no inputs'
  if (min === max) return `takes exactly ${n(min)}`
  if (!Number.isFinite(max)) return `takes at least ${n(min)}`
  return `takes ${min} to ${n(max)}`
}

/**
 * Checks a node against its step type (known type, arity, config) and
 * returns its normalized config, or undefined after adding the issues.
 */
export function normalizeNodeConfig (id: string, node: NodeShape, catalog: StepCatalog, issues: IssueList): JsonObject | undefined {
  const definition = catalog.get(node.type)
  if (definition == null) {
    const known = catalog.types()
    const hint = closest(node.type, known)
    issues.add('UnknownStepTypeError', `nodes.${id}.type`, `unknown step type "${node.type}"${hint != null ? ` (did you mean "${hint}"?)` : ''}; the step types are ${[...known].sort().join(', ')}`, id)
    return undefined
  }

  const count = node.inputs?.length ?? 0
  const { min, max } = definition.inputs
  if (count < min || count > max) {
    issues.add('StepArityError', `nodes.${id}.inputs`, `step type ${node.type} ${describeArity(min, max)}, got ${count}`, id)
  }

  const result = definition.normalize(node.config ?? {})
  if (!result.ok) {
    for (const issue of result.issues) {
      const field = issue.path === '' ? `nodes.${id}.config` : `nodes.${id}.config.${issue.path}`
      issues.add('StepConfigError', field, issue.message, id)
    }
    return undefined
  }
  const plain = toPlainJson(result.config, CONFIG_LIMITS)
  if (!plain.ok || typeof plain.value !== 'object' || plain.value === null || Array.isArray(plain.value)) {
    const where = plain.ok ? '' : ` at ${formatPath(plain.problem.path)}: ${plain.problem.message}`
    throw new CatalogContractError(`the ${node.type} step's normalize() returned a config that is not a plain JSON object${where}`, { node: id, type: node.type })
  }
  return plain.value
}
