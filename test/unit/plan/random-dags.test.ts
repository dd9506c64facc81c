import { describe, expect, it } from 'vitest'
import { plan } from '../../../src/plan/planner.ts'
import type { Plan } from '../../../src/plan/planner.ts'
import { validateRecipe } from '../../../src/plan/validate.ts'
import { catalog } from './catalog.ts'
import { cidOf, reverseKeys } from './helpers.ts'

// Graph properties over many generated DAGs of generate (no inputs) and
// sequence (two or more) steps.
const clip = await cidOf('clip')

/** A small deterministic PRNG (mulberry32), so every run checks the same graphs. */
function rng (seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomRecipe (seed: number): { recipe: Record<string, unknown>, ids: string[] } {
  const rand = rng(seed)
  const count = 2 + Math.floor(rand() * 30)
  const ids = Array.from({ length: count }, (_, i) => `n${i}`)
  const nodes: Record<string, unknown> = {}
  ids.forEach((id, i) => {
    // Each node reads earlier nodes only (so the graph is acyclic), or the clip, or nothing.
    if (i === 0 || rand() < 0.15) {
      nodes[id] = { type: 'generate', config: { duration: 1 + i } }
      return
    }
    const reads = 2 + Math.floor(rand() * 3)
    const inputs = Array.from({ length: reads }, () => rand() < 0.1 ? 'clip' : ids[Math.floor(rand() * i)] as string)
    nodes[id] = { type: 'sequence', inputs }
  })
  return { recipe: { version: 1, name: `random-${seed}`, inputs: { clip: './clip.mp4' }, nodes, output: ids[count - 1] }, ids }
}

function checkLevels (p: Plan): void {
  const levelOf = new Map(p.steps.map(s => [s.id, s.level]))
  p.steps.forEach((s, i) => {
    const upstream = s.inputs.filter(x => x.kind === 'step').map(x => levelOf.get(x.id) as number)
    expect(s.level).toBe(upstream.length === 0 ? 0 : 1 + Math.max(...upstream))
    for (const x of s.inputs) if (x.kind === 'step') expect(p.steps.findIndex(t => t.id === x.id)).toBeLessThan(i)
  })
  expect(p.levels.flat()).toEqual(p.steps.map(s => s.id))
  p.levels.forEach((level, n) => level.forEach(id => expect(levelOf.get(id)).toBe(n)))
}

describe('generated DAGs', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('seed %i: levels, order, reachability and key-order independence hold', seed => {
    const { recipe, ids } = randomRecipe(seed)
    const nodes = recipe.nodes as Record<string, { inputs?: string[] }>
    const cids = { clip }
    const p = plan(validateRecipe(recipe, catalog), cids, catalog)
    checkLevels(p)

    // Planned: exactly what the output reaches, found here by plain recursion.
    const needed = new Set<string>()
    const visit = (id: string): void => {
      if (id === 'clip' || needed.has(id)) return
      needed.add(id)
      for (const x of nodes[id]?.inputs ?? []) visit(x)
    }
    visit(recipe.output as string)
    expect(p.steps.map(s => s.id).sort()).toEqual([...needed].sort())
    expect(p.unused).toEqual(ids.filter(id => !needed.has(id)).sort())
    const clipRead = [...needed].some(id => nodes[id]?.inputs?.includes('clip') === true)
    expect(p.unusedInputs).toEqual(clipRead ? [] : ['clip'])
    expect(plan(validateRecipe(reverseKeys(recipe), catalog), cids, catalog)).toEqual(p)
  })
})
