import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { describePlan, stepsToRun } from '../../../src/plan/describe.ts'
import { InvalidInputCidError, MissingInputError, UnknownInputError, UnknownReferenceError } from '../../../src/plan/errors.ts'
import { plan, unusedOf } from '../../../src/plan/planner.ts'
import type { Plan } from '../../../src/plan/planner.ts'
import { loadRecipe } from '../../../src/plan/recipe.ts'
import { validateRecipe } from '../../../src/plan/validate.ts'
import { RecipeSchemaError } from '../../../src/plan/errors.ts'
import type { Recipe } from '../../../src/plan/schema.ts'
import { catalog } from './catalog.ts'
import { cidOf, readRecipe } from './helpers.ts'

const clip = await cidOf('clip')
const diamond = (): Recipe => loadRecipe(readRecipe('diamond.yaml'), catalog, { source: 'diamond.yaml' })
const teaser = (): Recipe => loadRecipe(readRecipe('teaser.yaml'), catalog, { source: 'teaser.yaml' })

function step (p: Plan, id: string): Plan['steps'][number] {
  const s = p.steps.find(x => x.id === id)
  if (s == null) throw new Error(`no step ${id}`)
  return s
}

describe('levels and order', () => {
  it('levels a diamond: 1 + the highest level among step inputs', () => {
    const p = plan(diamond(), { clip }, catalog)
    expect(p.levels).toEqual([['src'], ['part', 'small'], ['both'], ['late'], ['out']])
    expect(Object.fromEntries(p.steps.map(s => [s.id, s.level]))).toEqual({ src: 0, part: 1, small: 1, both: 2, late: 3, out: 4 })
  })

  it('puts steps fed only by recipe inputs, or by nothing, at level 0', () => {
    const p = plan(teaser(), { clip }, catalog)
    expect(p.levels[0]).toEqual(['bars', 'part'])
    expect(step(p, 'bars').inputs).toEqual([])
    expect(step(p, 'part').inputs).toEqual([{ kind: 'input', name: 'clip', cid: CID.parse(clip).toString() }])
  })

  it('lists steps in a topological order: every step input comes earlier', () => {
    const p = plan(diamond(), { clip }, catalog)
    const seen = new Set<string>()
    for (const s of p.steps) {
      for (const input of s.inputs) if (input.kind === 'step') expect(seen.has(input.id), `${input.id} before ${s.id}`).toBe(true)
      seen.add(s.id)
    }
    expect(p.steps.map(s => s.id)).toEqual(p.levels.flat())
  })

  it('links each step input to the upstream cache_id', () => {
    const p = plan(diamond(), { clip }, catalog)
    expect(step(p, 'late').inputs).toEqual([
      { kind: 'step', id: 'src', cacheId: step(p, 'src').cacheId },
      { kind: 'step', id: 'both', cacheId: step(p, 'both').cacheId }
    ])
  })
})

describe('what gets planned', () => {
  it('plans only what the output needs and reports the rest', () => {
    const p = plan(diamond(), { clip }, catalog)
    expect(p.output).toBe('out')
    expect(p.unused).toEqual(['spare'])
    expect(p.steps.map(s => s.id)).not.toContain('spare')
    expect(p.unusedInputs).toEqual([])
  })

  it('can plan another node as the output', () => {
    const p = plan(diamond(), { clip }, catalog, { output: 'both' })
    expect(p.output).toBe('both')
    expect(p.levels).toEqual([['src'], ['part', 'small'], ['both']])
    expect(p.unused).toEqual(['late', 'out', 'spare'])
    // The same computation has the same cache_id whatever the output.
    expect(step(p, 'both').cacheId).toBe(step(plan(diamond(), { clip }, catalog), 'both').cacheId)
    expect(() => plan(diamond(), { clip }, catalog, { output: 'nope' })).toThrow(UnknownReferenceError)
  })

  it('reports recipe inputs no planned step reads', async () => {
    const r = teaser()
    r.inputs.extra = './extra.mp4'
    const p = plan(r, { clip, extra: await cidOf('extra') }, catalog)
    expect(p.unusedInputs).toEqual(['extra'])
    expect(Object.keys(p.inputs)).toEqual(['clip', 'extra'])
  })
})

describe('input CIDs', () => {
  it('needs a CID for every recipe input', () => {
    const err = catchError(() => plan(teaser(), {}, catalog))
    expect(err).toBeInstanceOf(MissingInputError)
    expect(err.message).toBe('inputs.clip: no CID for input "clip"; add the file to IPFS first or pass --input clip=CID')
    expect(err.field).toBe('inputs.clip')
  })

  it('refuses names that are not recipe inputs', () => {
    const err = catchError(() => plan(teaser(), { clip, clipp: clip }, catalog))
    expect(err).toBeInstanceOf(UnknownInputError)
    expect(err.message).toContain('inputs.clipp: recipe teaser has no input "clipp" (its inputs: clip)')
  })

  it('refuses values that are not CIDs', () => {
    const err = catchError(() => plan(teaser(), { clip: './clip.mp4' }, catalog))
    expect(err).toBeInstanceOf(InvalidInputCidError)
    expect(err.message).toBe('inputs.clip: "./clip.mp4" is not a CID')
  })
})

describe('describePlan', () => {
  it('marks cached steps and what still has to run', async () => {
    const p = plan(diamond(), { clip }, catalog)
    const cachedIds = new Set([step(p, 'both').cacheId])
    const asked: string[] = []
    const d = await describePlan(p, async id => {
      asked.push(id)
      return cachedIds.has(id)
    })
    expect(asked.sort()).toEqual(p.steps.map(s => s.cacheId).sort())
    const byId = Object.fromEntries(d.steps.map(s => [s.step, s]))
    expect(byId.both?.cached).toBe(true)
    // `both` is fetched from the cache, so small and part need not run; src still feeds late.
    expect(Object.fromEntries(d.steps.map(s => [s.step, s.willRun]))).toEqual({ src: true, part: false, small: false, both: false, late: true, out: true })
    expect(d.summary).toEqual({ steps: 6, cached: 1, toRun: 3 })
    expect(d.outputCacheId).toBe(step(p, 'out').cacheId)
    expect(d.unused).toEqual(['spare'])
    expect(byId.late?.inputs).toEqual(['src', 'both'])
  })

  it('runs nothing when the output is cached', async () => {
    const p = plan(diamond(), { clip }, catalog)
    const d = await describePlan(p, id => id === step(p, 'out').cacheId)
    expect(d.summary.toRun).toBe(0)
    expect(stepsToRun(p.steps, p.output, () => false).size).toBe(p.steps.length)
  })

  it('stops when aborted', async () => {
    const p = plan(diamond(), { clip }, catalog)
    await expect(describePlan(p, () => false, { signal: AbortSignal.abort() })).rejects.toThrow()
  })
})

function catchError (fn: () => unknown): Error & { field?: string } {
  try {
    fn()
  } catch (err: unknown) {
    return err as Error
  }
  throw new Error('expected an error')
}

describe('several outputs', () => {
  const withOutputs = (outputs: string[]): Recipe => {
    const { output: _output, ...rest } = diamond()
    return validateRecipe({ ...rest, outputs }, catalog)
  }

  it('plans every output and what they need; the first is the main output', () => {
    const recipe = withOutputs(['out', 'spare'])
    expect(recipe.output).toBe('out')
    expect(recipe.outputs).toEqual(['out', 'spare'])
    const p = plan(recipe, { clip }, catalog)
    expect(p.outputs).toEqual(['out', 'spare'])
    expect(p.unused).toEqual([])
    expect(p.steps.map(s => s.id)).toContain('spare')
    expect(unusedOf(recipe)).toEqual({ unused: [], unusedInputs: [] })
    expect(unusedOf(diamond())).toEqual({ unused: ['spare'], unusedInputs: [] })
  })

  it('keeps the plan of a one-output recipe as it was, written either way', () => {
    const single = plan(diamond(), { clip }, catalog)
    const listed = plan(withOutputs(['out']), { clip }, catalog)
    expect(listed.planId).toBe(single.planId)
    expect(listed.steps.map(s => s.cacheId)).toEqual(single.steps.map(s => s.cacheId))
    expect(plan(withOutputs(['out', 'spare']), { clip }, catalog).planId).not.toBe(single.planId)
    // A validated recipe validates to itself.
    const several = withOutputs(['out', 'spare'])
    expect(validateRecipe(several, catalog)).toEqual(several)
  })

  it('refuses an output listed twice, an unknown one, and output and outputs that disagree', () => {
    expect(() => withOutputs(['out', 'out'])).toThrow('outputs[1]: "out" is listed twice')
    expect(() => withOutputs(['out', 'spar'])).toThrow('outputs[1]: "spar" is not a node (did you mean "spare"?)')
    expect(() => validateRecipe({ ...diamond(), outputs: ['spare', 'out'] }, catalog)).toThrow(RecipeSchemaError)
    const { output: _output, ...none } = diamond()
    expect(() => validateRecipe(none, catalog)).toThrow('output: is required')
  })
})
