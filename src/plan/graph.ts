import { RecipeCycleError } from './errors.ts'
/**
 * Graph helpers over node dependencies: `deps.get(id)` lists the nodes `id`
 * reads from (recipe inputs and unknown names are left out by the caller).
 * All iterative, so a long chain cannot overflow the stack.
 */
export type Deps = ReadonlyMap<string, readonly string[]>

/**
 * Every cycle, each once, as the list of its nodes in reference order
 * (`[a, b, c]` reads `a → b → c → a`: a takes b as an input, b takes c, c
 * takes a), the way one traces it through the recipe's `inputs` lists,
 * starting at the node that comes first in `order`. Self-edges are the
 * caller's to report.
 */
export function findCycles (order: readonly string[], deps: Deps): string[][] {
  // Kahn's algorithm peels off every node whose inputs are all settled; what
  // remains is on a cycle or downstream of one.
  const pending = new Map<string, number>()
  const consumers = new Map<string, string[]>()
  for (const id of order) {
    const inputs = (deps.get(id) ?? []).filter(d => d !== id)
    pending.set(id, inputs.length)
    for (const d of inputs) {
      const list = consumers.get(d)
      if (list == null) consumers.set(d, [id])
      else list.push(id)
    }
  }
  const queue = order.filter(id => pending.get(id) === 0)
  for (let i = 0; i < queue.length; i++) {
    for (const c of consumers.get(queue[i] as string) ?? []) {
      const left = (pending.get(c) ?? 0) - 1
      pending.set(c, left)
      if (left === 0) queue.push(c)
    }
  }
  const remaining = new Set(order.filter(id => (pending.get(id) ?? 0) > 0))

  // From any remaining node, following a remaining input must come back
  // around: that loop is a cycle. Nodes merely downstream walk into a cycle
  // already reported and are skipped.
  const reported = new Set<string>()
  const cycles: string[][] = []
  for (const start of order) {
    if (!remaining.has(start) || reported.has(start)) continue
    const walk: string[] = []
    const seenAt = new Map<string, number>()
    let cur: string | undefined = start
    while (cur != null && !seenAt.has(cur) && !reported.has(cur)) {
      seenAt.set(cur, walk.length)
      walk.push(cur)
      cur = (deps.get(cur) ?? []).find(d => d !== cur && remaining.has(d))
    }
    if (cur == null || reported.has(cur)) continue
    const loop = walk.slice(seenAt.get(cur))
    for (const id of loop) reported.add(id)
    const first = loop.reduce((best, id) => order.indexOf(id) < order.indexOf(best) ? id : best)
    const at = loop.indexOf(first)
    cycles.push([...loop.slice(at), ...loop.slice(0, at)])
  }
  return cycles
}

/** The nodes `target` depends on, itself included. */
export function ancestors (target: string, deps: Deps): Set<string> {
  const seen = new Set<string>([target])
  const stack = [target]
  while (stack.length > 0) {
    const id = stack.pop() as string
    for (const d of deps.get(id) ?? []) {
      if (!seen.has(d)) {
        seen.add(d)
        stack.push(d)
      }
    }
  }
  return seen
}

/**
 * Level of each node in an acyclic graph: 0 when it reads no other node,
 * otherwise 1 + the highest level among the nodes it reads.
 */
export function levelsOf (ids: Iterable<string>, deps: Deps): Map<string, number> {
  const level = new Map<string, number>()
  for (const root of ids) {
    if (level.has(root)) continue
    // Depth-first with an explicit stack: a node is settled once its inputs are.
    const stack: string[] = [root]
    const expanded = new Set<string>()
    while (stack.length > 0) {
      const id = stack[stack.length - 1] as string
      if (level.has(id)) {
        stack.pop()
        continue
      }
      const inputs = deps.get(id) ?? []
      const unsettled = inputs.filter(d => !level.has(d))
      if (unsettled.length > 0) {
        // Expanded once already and still waiting: only a cycle does that.
        if (expanded.has(id)) throw new RecipeCycleError(`levelsOf: cycle through ${id}`, { node: id })
        expanded.add(id)
        stack.push(...unsettled)
        continue
      }
      stack.pop()
      level.set(id, inputs.length === 0 ? 0 : 1 + Math.max(...inputs.map(d => level.get(d) as number)))
    }
  }
  return level
}
