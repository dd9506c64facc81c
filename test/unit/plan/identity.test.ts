import { describe, expect, it } from 'vitest'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { loadRecipe } from '../../../src/plan/recipe.ts'
import { plan } from '../../../src/plan/planner.ts'
import type { Plan } from '../../../src/plan/planner.ts'
import { validateRecipe } from '../../../src/plan/validate.ts'
import { parseRecipe } from '../../../src/plan/parse.ts'
import type { Recipe } from '../../../src/plan/schema.ts'
import { cacheIds, cidOf, readRecipe, reverseKeys, withExecutorVersion } from './helpers.ts'
import { catalog } from './catalog.ts'

const clip = await cidOf('clip bytes')
const otherClip = await cidOf('other clip bytes')

function teaser (): Recipe {
  return loadRecipe(readRecipe('teaser.yaml'), catalog, { source: 'teaser.yaml' })
}

/** Asserts, for every step of `a`, whether its cache_id changed in `b`. */
function expectChanged (a: Plan, b: Plan, changed: string[]): void {
  const before = cacheIds(a)
  const after = cacheIds(b)
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort())
  for (const [id, cacheId] of before) {
    if (changed.includes(id)) expect(after.get(id), `${id} should change`).not.toBe(cacheId)
    else expect(after.get(id), `${id} should not change`).toBe(cacheId)
  }
}

describe('identities do not depend on how a recipe is written', () => {
  it('gives the same plan for YAML and JSON with every key in a different order', () => {
    const fromYaml = plan(teaser(), { clip }, catalog)
    const fromJson = plan(loadRecipe(readRecipe('teaser.json'), catalog), { clip }, catalog)
    expect(fromJson).toEqual(fromYaml)
    expect(fromJson.planId).toBe(fromYaml.planId)
    expect(fromJson.runId).toBe(fromYaml.runId)
  })

  it('gives the same plan when keys are reversed at every level of the document', () => {
    const doc = parseRecipe(readRecipe('teaser.yaml'))
    const a = plan(validateRecipe(doc, catalog), { clip }, catalog)
    const b = plan(validateRecipe(reverseKeys(doc), catalog), { clip }, catalog)
    expect(b).toEqual(a)
  })

  it('treats a default written out and a default left out as the same recipe', () => {
    const doc = parseRecipe(readRecipe('diamond.yaml')) as { nodes: Record<string, { type: string, config?: unknown }> }
    const left = plan(validateRecipe(doc, catalog), { clip }, catalog)
    for (const node of Object.values(doc.nodes)) {
      const r = catalog.get(node.type)?.normalize(node.config ?? {})
      if (r?.ok !== true) throw new Error(`${node.type} does not normalize`)
      node.config = r.config
    }
    expect(plan(validateRecipe(doc, catalog), { clip }, catalog)).toEqual(left)
  })

  it('treats a CIDv0 and its CIDv1 as the same input', () => {
    const v1 = CID.parse('bafybeie5nqv6kd3qnfjupgvz34woh3oksc3iau6abmyajn7qvtf6d2ho34')
    const v0 = v1.toV0().toString()
    const a = plan(teaser(), { clip: v0 }, catalog)
    const b = plan(teaser(), { clip: v1.toString() }, catalog)
    expect(a).toEqual(b)
    expect(a.inputs.clip).toBe(v1.toString())
  })

  it('is plain JSON that survives JSON and DAG-JSON round trips', () => {
    const p = plan(teaser(), { clip }, catalog)
    expect(JSON.parse(JSON.stringify(p))).toEqual(p)
    expect(dagJson.decode(dagJson.encode(p))).toEqual(p)
  })

  it('replans a validated recipe to the same plan (normalize is idempotent)', () => {
    const once = teaser()
    const twice = validateRecipe(JSON.parse(JSON.stringify(once)), catalog)
    expect(twice).toEqual(once)
    expect(plan(twice, { clip }, catalog)).toEqual(plan(once, { clip }, catalog))
  })
})

describe('a change reaches exactly the step it touches and everything downstream', () => {
  const base = (): Plan => plan(teaser(), { clip }, catalog)

  it('one config value: the step and its descendants', () => {
    const r = teaser()
    ;(r.nodes.part as Recipe['nodes'][string]).config.start = 2
    const changed = plan(r, { clip }, catalog)
    expectChanged(base(), changed, ['part', 'joined', 'out'])
    expect(changed.runId).not.toBe(base().runId)
    expect(changed.planId).not.toBe(base().planId)
  })

  it('a config value of the last step: only that step', () => {
    const r = teaser()
    ;(r.nodes.out as Recipe['nodes'][string]).config.crf = 30
    expectChanged(base(), plan(r, { clip }, catalog), ['out'])
  })

  it('one input CID: the steps that read it and their descendants', () => {
    const changed = plan(teaser(), { clip: otherClip }, catalog)
    expectChanged(base(), changed, ['part', 'joined', 'out'])
    expect(changed.runId).not.toBe(base().runId)
    expect(changed.planId).not.toBe(base().planId)
  })

  it('the executor version of a step type: its steps and their descendants, not the run', () => {
    const bumped = plan(teaser(), { clip }, withExecutorVersion(catalog, 'sequence', 'bumped'))
    expectChanged(base(), bumped, ['joined', 'out'])
    expect(bumped.steps.find(s => s.id === 'joined')?.executorVersion).toBe('bumped')
    expect(bumped.runId).toBe(base().runId)
    expect(bumped.planId).not.toBe(base().planId)

    const source = plan(teaser(), { clip }, withExecutorVersion(catalog, 'generate', 'bumped'))
    expectChanged(base(), source, ['bars', 'joined', 'out'])
  })

  it("the order of a step's inputs: that step and its descendants", () => {
    const r = teaser()
    ;(r.nodes.joined as Recipe['nodes'][string]).inputs = ['part', 'bars']
    expectChanged(base(), plan(r, { clip }, catalog), ['joined', 'out'])
  })

  it('a node the output does not need: no cache_id, but the run is another run', () => {
    const r = teaser()
    r.nodes.spare = { type: 'thumbnail', inputs: ['part'], config: {} }
    const withSpare = plan(r, { clip }, catalog)
    expectChanged(base(), withSpare, [])
    expect(withSpare.unused).toEqual(['spare'])
    expect(withSpare.runId).not.toBe(base().runId)
  })

  it('the recipe name: no cache_id, but run_id and plan_id', () => {
    const r = { ...teaser(), name: 'teaser-2' }
    const renamed = plan(r, { clip }, catalog)
    expectChanged(base(), renamed, [])
    expect(renamed.runId).not.toBe(base().runId)
    expect(renamed.planId).not.toBe(base().planId)
  })

  it('where an input file lives: nothing, once it is the same content', () => {
    const r = teaser()
    r.inputs.clip = '/somewhere/else/clip.mp4'
    expect(plan(r, { clip }, catalog)).toEqual(base())
  })
})
