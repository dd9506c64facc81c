import { Graph, layout } from '@dagrejs/dagre'
import type { JobDetail } from '../../src/api/schemas.ts'

/**
 * A job's DAG, laid out left to right with dagre: the recipe's inputs (their
 * CIDs) and every step of the plan, with an edge from each thing a step reads.
 * Edges come from the job document's recipe (`nodes.<id>.inputs`), which the
 * daemon serves at GET /v1/documents/:job. Pure.
 */

export type StepState = JobDetail['steps'][number]['state'] | 'input'

export interface GraphNode {
  id: string
  label: string
  sub: string
  state: StepState
  x: number
  y: number
  width: number
  height: number
}

export interface GraphEdge {
  from: string
  to: string
  points: Array<{ x: number, y: number }>
}

export interface JobGraph {
  nodes: GraphNode[]
  edges: GraphEdge[]
  width: number
  height: number
}

export const NODE_WIDTH = 150
export const NODE_HEIGHT = 52

/** What each recipe node reads, from a job document's recipe; unknown shapes read nothing. */
export function inputsOf (recipe: unknown): Map<string, string[]> {
  const reads = new Map<string, string[]>()
  const nodes = (recipe as { nodes?: unknown } | null)?.nodes
  if (nodes === null || typeof nodes !== 'object') return reads
  for (const [id, node] of Object.entries(nodes as Record<string, unknown>)) {
    const inputs = (node as { inputs?: unknown } | null)?.inputs
    reads.set(id, Array.isArray(inputs) ? inputs.filter((v): v is string => typeof v === 'string') : [])
  }
  return reads
}

export function layoutJob (steps: JobDetail['steps'], reads: Map<string, string[]>, inputs: Record<string, string>): JobGraph {
  const g = new Graph<{ rankdir: string, nodesep: number, ranksep: number, marginx: number, marginy: number }>()
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 48, marginx: 8, marginy: 8 })
  g.setDefaultEdgeLabel(() => ({}))
  const labels = new Map<string, Omit<GraphNode, 'x' | 'y'>>()
  const stepIds = new Set(steps.map(s => s.step))
  for (const step of steps) labels.set(step.step, { id: step.step, label: step.step, sub: step.type, state: step.state, width: NODE_WIDTH, height: NODE_HEIGHT })
  for (const step of steps) {
    for (const from of reads.get(step.step) ?? []) {
      if (!stepIds.has(from) && !labels.has(from)) {
        labels.set(from, { id: from, label: from, sub: inputs[from] ?? 'input', state: 'input', width: NODE_WIDTH, height: NODE_HEIGHT })
      }
    }
  }
  for (const [id, node] of labels) g.setNode(id, { width: node.width, height: node.height })
  for (const step of steps) {
    for (const from of reads.get(step.step) ?? []) if (labels.has(from)) g.setEdge(from, step.step)
  }
  layout(g)
  const nodes = [...labels.values()].map(node => {
    const placed = g.node(node.id) as { x: number, y: number }
    return { ...node, x: placed.x - node.width / 2, y: placed.y - node.height / 2 }
  })
  const edges = g.edges().map((e: { v: string, w: string }) => ({ from: e.v, to: e.w, points: (g.edge(e) as { points?: Array<{ x: number, y: number }> }).points ?? [] }))
  const size = g.graph() as { width?: number, height?: number }
  return { nodes, edges, width: size.width ?? 0, height: size.height ?? 0 }
}
