import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { plan } from '../../../src/plan/planner.ts'
import { loadRecipe } from '../../../src/plan/recipe.ts'
import { validateRecipe } from '../../../src/plan/validate.ts'
import { catalog } from './catalog.ts'
import { cidOf, readRecipe, RECIPES_DIR } from './helpers.ts'

const files = readdirSync(RECIPES_DIR).filter(f => /\.(ya?ml|json)$/.test(f)).sort()

async function cidsFor (inputs: Record<string, string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const name of Object.keys(inputs)) out[name] = await cidOf(`content of ${name}`)
  return out
}

describe('the example recipes', () => {
  it.each(files)('%s validates, re-validates to itself and plans', async file => {
    const recipe = loadRecipe(readRecipe(file), catalog, { source: file })
    // Every step type's normalize must be idempotent: a validated recipe (what
    // travels in job documents) validates to itself and plans the same.
    expect(validateRecipe(JSON.parse(JSON.stringify(recipe)), catalog)).toEqual(recipe)
    const p = plan(recipe, await cidsFor(recipe.inputs), catalog)
    expect(p.steps.length).toBeGreaterThan(0)
    expect(new Set(p.steps.map(s => s.cacheId)).size).toBe(p.steps.length)
  })

  it('all-steps uses every step type of the catalog', async () => {
    const recipe = loadRecipe(readRecipe('all-steps.yaml'), catalog)
    // The transcode family is planned from an expansion, not written in a recipe by hand: test/unit/plan/transcode.test.ts.
    expect(new Set(Object.values(recipe.nodes).map(n => n.type))).toEqual(new Set(catalog.types().filter(t => !t.startsWith('transcode'))))
    const p = plan(recipe, await cidsFor(recipe.inputs), catalog)
    expect(p.unused).toEqual(['poster', 'report'])
    expect(p.levels).toEqual([['bars', 'cut'], ['small'], ['joined'], ['branded'], ['titled'], ['mixed'], ['muxed'], ['out']])
    const report = plan(recipe, await cidsFor(recipe.inputs), catalog, { output: 'report' })
    expect(report.steps.find(s => s.id === 'out')?.cacheId).toBe(p.steps.find(s => s.id === 'out')?.cacheId)
  })

  it('carries caption text with quotes, semicolons and shell syntax verbatim, as data', () => {
    const recipe = loadRecipe(readRecipe('text-literal.yaml'), catalog)
    expect(recipe.nodes.title?.config.text).toBe("Don't stop; it's 5 o'clock\n`rm -rf /` $(id) \\ %d %s {x} [1]")
  })
})
