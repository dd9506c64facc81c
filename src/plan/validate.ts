import type { StepCatalog } from './catalog.ts'
import { IssueList, RecipeSchemaError, RecipeTooLargeError, RecipeVersionError } from './errors.ts'
import { findCycles } from './graph.ts'
import { isJsonObject, toPlainJson } from './json.ts'
import { recipeLimits } from './limits.ts'
import type { RecipeLimits } from './limits.ts'
import { normalizeNodeConfig } from './normalize.ts'
import { plainJsonError } from './parse.ts'
import { RECIPE_VERSION, recipeDocumentSchema } from './schema.ts'
import type { Recipe, RecipeDocument, RecipeNode } from './schema.ts'
import { schemaIssues } from './schema-issues.ts'
import { closest } from './suggest.ts'

export interface ValidateRecipeOptions {
  limits?: Partial<RecipeLimits>
}

/**
 * Checks a parsed document against the recipe format and the step catalog
 * and returns the validated recipe with every config normalized. Throws a
 * RecipeError naming every problem found (the class of the first).
 */
export function validateRecipe (doc: unknown, catalog: StepCatalog, options: ValidateRecipeOptions = {}): Recipe {
  const limits = recipeLimits(options.limits)
  // Anything handed in (JSON.parse output, a job document) goes through the same plain-data walk as YAML.
  const plain = toPlainJson(doc, limits)
  if (!plain.ok) throw plainJsonError(plain.problem)
  const value = plain.value
  if (!isJsonObject(value)) {
    throw new RecipeSchemaError('the recipe must be a mapping with version, name, inputs, nodes and output (or outputs)')
  }
  checkVersion(value.version)

  const parsed = recipeDocumentSchema.safeParse(value)
  if (!parsed.success) {
    const issues = new IssueList()
    issues.issues.push(...schemaIssues(parsed.error, value))
    issues.throwIfAny()
  }
  const document = parsed.data as RecipeDocument
  checkSize(document, limits)
  return checkSemantics(document, catalog)
}

function checkVersion (version: unknown): void {
  if (version === RECIPE_VERSION) return
  if (version === undefined) {
    throw new RecipeVersionError(`version: missing; add "version: ${RECIPE_VERSION}" (the recipe format this artdag reads)`, { field: 'version' })
  }
  const shown = typeof version === 'string' || (typeof version === 'object' && version !== null) ? JSON.stringify(version) : String(version as number | boolean | null)
  const hint = typeof version === 'number' && version > RECIPE_VERSION ? '; it may need a newer artdag' : ''
  throw new RecipeVersionError(`version: recipe format ${shown} is not supported; this artdag reads version ${RECIPE_VERSION}${hint}`, { field: 'version' })
}

function checkSize (document: RecipeDocument, limits: RecipeLimits): void {
  const nodes = Object.keys(document.nodes).length
  if (nodes > limits.maxNodes) {
    throw new RecipeTooLargeError(`nodes: the recipe has ${nodes} nodes, over the limit of ${limits.maxNodes}`, { field: 'nodes' })
  }
  const inputs = Object.keys(document.inputs ?? {}).length
  if (inputs > limits.maxInputs) {
    throw new RecipeTooLargeError(`inputs: the recipe has ${inputs} inputs, over the limit of ${limits.maxInputs}`, { field: 'inputs' })
  }
  if (nodes === 0) throw new RecipeSchemaError('nodes: a recipe needs at least one node', { field: 'nodes' })
}

function checkSemantics (document: RecipeDocument, catalog: StepCatalog): Recipe {
  const issues = new IssueList()
  const inputs = document.inputs ?? {}
  const ids = Object.keys(document.nodes)
  const isInput = (name: string): boolean => Object.hasOwn(inputs, name)
  const isNode = (name: string): boolean => Object.hasOwn(document.nodes, name)
  const nodeAt = (id: string): RecipeDocument['nodes'][string] => document.nodes[id] as RecipeDocument['nodes'][string]

  // The graph first (names, references, output, cycles), then each step
  // against its type: a broken graph is usually the thing to fix first.
  const deps = new Map<string, string[]>()
  for (const id of ids) {
    const refs = nodeAt(id).inputs ?? []
    if (isInput(id)) {
      issues.add('NameConflictError', `nodes.${id}`, `"${id}" is both a recipe input and a node; rename one of them`, id)
    }
    refs.forEach((ref, i) => {
      const field = `nodes.${id}.inputs[${i}]`
      if (ref === id) {
        issues.add('RecipeCycleError', field, `node "${id}" uses itself as an input (cycle ${id} → ${id})`, id)
      } else if (!isInput(ref) && !isNode(ref)) {
        issues.add('UnknownReferenceError', field, `"${ref}" is neither a recipe input nor a node${hintFor(ref, [...Object.keys(inputs), ...ids])}`, id)
      }
    })
    deps.set(id, refs.filter(ref => ref !== id && isNode(ref)))
  }
  const outputs = outputsOfDocument(document, issues)
  outputs.forEach((output, i) => {
    if (isNode(output)) return
    const why = isInput(output)
      ? `"${output}" is a recipe input, not a node; the output must be a node`
      : `"${output}" is not a node${hintFor(output, ids)}`
    issues.add('UnknownReferenceError', document.outputs != null ? `outputs[${i}]` : 'output', why)
  })
  for (const cycle of findCycles(ids, deps)) {
    const first = cycle[0] as string
    issues.add('RecipeCycleError', `nodes.${first}.inputs`, `cycle ${[...cycle, first].join(' → ')} (each node takes the next as an input)`, first)
  }

  const nodes: Record<string, RecipeNode> = {}
  for (const id of ids) {
    const node = nodeAt(id)
    const normalized = normalizeNodeConfig(id, node, catalog, issues)
    nodes[id] = { type: node.type, inputs: [...(node.inputs ?? [])], config: normalized ?? {} }
  }

  issues.throwIfAny()
  const output = outputs[0] as string
  return { version: RECIPE_VERSION, name: document.name, inputs: { ...inputs }, nodes, output, ...(outputs.length > 1 ? { outputs } : {}) }
}

/** `output: a`, or `outputs: [a, b]` (both only when they agree: a validated recipe keeps both). */
function outputsOfDocument (document: RecipeDocument, issues: IssueList): string[] {
  const { output, outputs } = document
  if (outputs == null) {
    if (output != null) return [output]
    issues.add('RecipeSchemaError', 'output', 'is required (the node whose output is the result; or outputs: a list of them)')
    return []
  }
  if (output != null && output !== outputs[0]) {
    issues.add('RecipeSchemaError', 'output', `is "${output}" but outputs starts with "${outputs[0] ?? ''}": give one of them (outputs lists the main output first)`)
  }
  const seen = new Set<string>()
  outputs.forEach((name, i) => {
    if (seen.has(name)) issues.add('RecipeSchemaError', `outputs[${i}]`, `"${name}" is listed twice`)
    seen.add(name)
  })
  return outputs
}

function hintFor (name: string, candidates: string[]): string {
  const hint = closest(name, candidates)
  return hint != null ? ` (did you mean "${hint}"?)` : ''
}
