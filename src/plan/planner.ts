import type { CID } from 'multiformats/cid'
import type { StepCatalog, StepDefinition } from './catalog.ts'
import { canonicalRecipe, sortStrings } from './canonical.ts'
import { IssueList, UnknownReferenceError } from './errors.ts'
import { ancestors, levelsOf } from './graph.ts'
import { computeCacheId, computePlanId, computeRunId, PLANNER_VERSION } from './ids.ts'
import type { CacheIdInput } from './ids.ts'
import { parseCid } from './input-ref.ts'
import type { RecipeLimits } from './limits.ts'
import { outputsOf } from './schema.ts'
import type { Recipe } from './schema.ts'
import { validateRecipe } from './validate.ts'

export const PLAN_FORMAT_VERSION = 1

/** A step input: a recipe input's content, or another step's output. */
export type PlannedInput =
  | { kind: 'input', name: string, cid: string }
  | { kind: 'step', id: string, cacheId: string }

export interface PlannedStep {
  /** The recipe node id. */
  id: string
  type: string
  /** Normalized by the step type: every default filled. */
  config: Record<string, unknown>
  inputs: PlannedInput[]
  cacheId: string
  /** 0 when fed only by recipe inputs (or nothing); else 1 + the highest level among its step inputs. */
  level: number
  executorVersion: string
}

/** Plain JSON: it goes on the wire and into dag-json as it is. */
export interface Plan {
  version: typeof PLAN_FORMAT_VERSION
  planId: string
  runId: string
  planner: string
  recipeName: string
  /** Every recipe input → its CID (CIDv1, base32). */
  inputs: Record<string, string>
  /** Sorted by level, then id: a topological order. */
  steps: PlannedStep[]
  /** Step ids by level; the steps of one level can run in parallel. */
  levels: string[][]
  /** The step whose output is the result (the main one). */
  output: string
  /** Every output step, the main one first. */
  outputs: string[]
  /** Nodes no output depends on, sorted; they are not planned. */
  unused: string[]
  /** Recipe inputs no planned step reads, sorted. */
  unusedInputs: string[]
}

export interface PlanOptions {
  /** Plan this node as the only output instead of the recipe's outputs. */
  output?: string
  limits?: Partial<RecipeLimits>
}

/**
 * Plans a recipe: the steps its output needs, each with its cache_id, in
 * levels that can run in parallel. Pure and deterministic: the same recipe
 * (in any key order, YAML or JSON), input CIDs and catalog give the same plan
 * on every machine. The recipe is validated again, so anything may be passed.
 */
export function plan (recipe: Recipe, inputCids: Readonly<Record<string, string>>, catalog: StepCatalog, options: PlanOptions = {}): Plan {
  const valid = validateRecipe(recipe, catalog, options.limits != null ? { limits: options.limits } : {})
  const cids = bindInputs(valid, inputCids)
  const outputs = options.output != null ? [options.output] : outputsOf(valid)
  const output = outputs[0] as string
  for (const name of outputs) {
    if (!Object.hasOwn(valid.nodes, name)) throw new UnknownReferenceError(`output: "${name}" is not a node of recipe ${valid.name}`, { field: 'output' })
  }

  const deps = new Map<string, string[]>()
  for (const [id, node] of Object.entries(valid.nodes)) {
    deps.set(id, node.inputs.filter(ref => Object.hasOwn(valid.nodes, ref)))
  }
  const needed = new Set(outputs.flatMap(name => [...ancestors(name, deps)]))
  const level = levelsOf(needed, deps)
  const order = sortStrings(needed).sort((a, b) => (level.get(a) as number) - (level.get(b) as number))

  const steps: PlannedStep[] = []
  const cacheIds = new Map<string, string>()
  const executors: Record<string, string> = {}
  const readInputs = new Set<string>()
  for (const id of order) {
    const node = valid.nodes[id] as Recipe['nodes'][string]
    const definition = catalog.get(node.type) as StepDefinition
    const inputs: PlannedInput[] = []
    const hashed: CacheIdInput[] = []
    for (const ref of node.inputs) {
      const upstream = cacheIds.get(ref)
      if (upstream != null) {
        inputs.push({ kind: 'step', id: ref, cacheId: upstream })
        hashed.push(upstream)
      } else {
        const cid = cids[ref] as CID
        readInputs.add(ref)
        inputs.push({ kind: 'input', name: ref, cid: cid.toString() })
        hashed.push(cid)
      }
    }
    const cacheId = computeCacheId({ type: node.type, config: node.config, inputs: hashed, executor: definition.version })
    cacheIds.set(id, cacheId)
    executors[node.type] = definition.version
    steps.push({ id, type: node.type, config: node.config, inputs, cacheId, level: level.get(id) as number, executorVersion: definition.version })
  }

  const levels: string[][] = []
  for (const step of steps) (levels[step.level] ??= []).push(step.id)

  const canonical = canonicalRecipe(valid)
  const inputs: Record<string, string> = {}
  for (const name of sortStrings(Object.keys(cids))) inputs[name] = (cids[name] as CID).toString()
  return {
    version: PLAN_FORMAT_VERSION,
    planId: computePlanId(canonical, cids, executors),
    runId: computeRunId(canonical, cids),
    planner: PLANNER_VERSION,
    recipeName: valid.name,
    inputs,
    steps,
    levels,
    output,
    outputs,
    unused: sortStrings(Object.keys(valid.nodes).filter(id => !needed.has(id))),
    unusedInputs: sortStrings(Object.keys(valid.inputs).filter(name => !readInputs.has(name)))
  }
}

/**
 * The nodes no output reads and the inputs no such node reads, from the
 * recipe alone (no CIDs needed): what `plan` and `render` report as unused.
 */
export function unusedOf (recipe: Recipe): { unused: string[], unusedInputs: string[] } {
  const deps = new Map<string, string[]>()
  for (const [id, node] of Object.entries(recipe.nodes)) deps.set(id, node.inputs.filter(ref => Object.hasOwn(recipe.nodes, ref)))
  const needed = new Set(outputsOf(recipe).flatMap(name => [...ancestors(name, deps)]))
  const read = new Set([...needed].flatMap(id => recipe.nodes[id]?.inputs ?? []))
  return {
    unused: sortStrings(Object.keys(recipe.nodes).filter(id => !needed.has(id))),
    unusedInputs: sortStrings(Object.keys(recipe.inputs).filter(name => !read.has(name)))
  }
}

/** Every recipe input needs a CID, and every CID given must fill an input. */
function bindInputs (recipe: Recipe, inputCids: Readonly<Record<string, string>>): Record<string, CID> {
  const issues = new IssueList()
  const out: Record<string, CID> = {}
  for (const name of Object.keys(recipe.inputs)) {
    const given = Object.hasOwn(inputCids, name) ? inputCids[name] : undefined
    if (given == null) {
      issues.add('MissingInputError', `inputs.${name}`, `no CID for input "${name}"; add the file to IPFS first or pass --input ${name}=CID`)
      continue
    }
    const cid = typeof given === 'string' ? parseCid(given) : undefined
    if (cid == null) {
      issues.add('InvalidInputCidError', `inputs.${name}`, `${JSON.stringify(String(given)).slice(0, 80)} is not a CID`)
      continue
    }
    // Stored as CIDv1 so a CIDv0 and its CIDv1 plan the same.
    out[name] = cid.toV1()
  }
  for (const name of Object.keys(inputCids)) {
    if (!Object.hasOwn(recipe.inputs, name)) {
      const known = Object.keys(recipe.inputs)
      issues.add('UnknownInputError', `inputs.${name}`, `recipe ${recipe.name} has no input "${name}" (its inputs: ${known.length > 0 ? known.join(', ') : 'none'})`)
    }
  }
  issues.throwIfAny()
  return out
}
