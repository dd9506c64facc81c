import { describe, expect, it } from 'vitest'
import type { StepCatalog } from '../../../src/plan/catalog.ts'
import { CatalogContractError, NameConflictError, RecipeCycleError, RecipeSchemaError, RecipeTooLargeError, RecipeVersionError, StepArityError, UnknownReferenceError, UnknownStepTypeError } from '../../../src/plan/errors.ts'
import type { RecipeError } from '../../../src/plan/errors.ts'
import { validateRecipe } from '../../../src/plan/validate.ts'
import { catalog } from './catalog.ts'

const base = () => ({
  version: 1,
  name: 'test',
  inputs: { clip: './clip.mp4' },
  nodes: {
    part: { type: 'segment', inputs: ['clip'], config: { start: 1 } },
    out: { type: 'encode', inputs: ['part'] }
  } as Record<string, unknown>,
  output: 'out'
})

function validationError (doc: unknown, cat: StepCatalog = catalog): RecipeError {
  try {
    validateRecipe(doc, cat)
  } catch (err: unknown) {
    return err as RecipeError
  }
  throw new Error('expected validateRecipe to throw')
}

describe('validateRecipe returns the recipe in full', () => {
  it('fills defaults, empty inputs and empty configs, and keeps document order', () => {
    const r = validateRecipe(base(), catalog)
    expect(Object.keys(r.nodes)).toEqual(['part', 'out'])
    expect(r.nodes.out?.config).toEqual((catalog.get('encode')?.normalize({}) as { config: unknown } | undefined)?.config)
    expect(r.nodes.part?.inputs).toEqual(['clip'])
    const noInputs = validateRecipe({ version: 1, name: 'gen', nodes: { g: { type: 'generate', config: { duration: 1 } } }, output: 'g' }, catalog)
    expect(noInputs.inputs).toEqual({})
    expect(noInputs.nodes.g?.inputs).toEqual([])
  })

  it('accepts a node used twice as inputs of one step', () => {
    const doc = base()
    doc.nodes.out = { type: 'sequence', inputs: ['part', 'part'] }
    expect(validateRecipe(doc, catalog).nodes.out?.inputs).toEqual(['part', 'part'])
  })
})

describe('validateRecipe names what is wrong', () => {
  it('explains the version', () => {
    expect(validationError({ ...base(), version: 2 }).message).toBe('version: recipe format 2 is not supported; this artdag reads version 1; it may need a newer artdag')
    expect(validationError({ ...base(), version: '1' }).message).toBe('version: recipe format "1" is not supported; this artdag reads version 1')
    const { version: _, ...rest } = base()
    const missing = validationError(rest)
    expect(missing).toBeInstanceOf(RecipeVersionError)
    expect(missing.field).toBe('version')
  })

  it('refuses what is not a mapping', () => {
    expect(validationError(null)).toBeInstanceOf(RecipeSchemaError)
    expect(validationError([1, 2]).message).toContain('must be a mapping')
  })

  it('collects every schema problem, each with its field', () => {
    const doc = { ...base(), name: 'Not A Slug', extra: true, nodes: { part: 'segment', Bad: { type: 'segment' }, out: { type: 'encode', inputs: 'part', filter_complex: '[0]null' } } }
    const err = validationError(doc)
    expect(err).toBeInstanceOf(RecipeSchemaError)
    const issues = (err.details?.issues ?? []) as Array<{ field: string, message: string, node?: string }>
    expect(issues.map(i => i.field)).toEqual(['name', 'nodes.part', 'nodes.Bad', 'nodes.out.inputs', 'nodes.out.filter_complex', 'extra'])
    expect(issues.find(i => i.field === 'nodes.part')?.message).toBe('nodes.part: must be a mapping, not the string "segment"')
    expect(issues.find(i => i.field === 'nodes.out.inputs')?.message).toBe('nodes.out.inputs: must be a list, not the string "part"')
    expect(issues.find(i => i.field === 'nodes.out.filter_complex')?.message).toContain('recipes cannot carry raw ffmpeg arguments or filtergraphs')
    expect(issues.find(i => i.field === 'nodes.out.filter_complex')?.node).toBe('out')
    expect(err.message).toMatch(/^6 problems in the recipe: name: must be a slug/)
  })

  it('says when a required field is missing', () => {
    const doc = base()
    doc.nodes.out = { inputs: ['part'] }
    expect(validationError(doc).message).toBe('nodes.out.type: is required (a string)')
  })

  it('collects semantic problems across nodes', () => {
    const doc = base()
    doc.nodes = {
      part: { type: 'segment', inputs: ['clp'], config: { start: -1 } },
      clip: { type: 'sequence', inputs: ['part', 'part'] },
      fx: { type: 'blurr', inputs: ['part'] },
      out: { type: 'encode', inputs: ['part', 'fx'] }
    }
    doc.output = 'final'
    const err = validationError(doc)
    expect(err).toBeInstanceOf(UnknownReferenceError)
    const issues = (err.details?.issues ?? []) as Array<{ name: string, message: string }>
    expect(issues.map(i => [i.name, i.message])).toEqual([
      ['UnknownReferenceError', 'nodes.part.inputs[0]: "clp" is neither a recipe input nor a node (did you mean "clip"?)'],
      ['NameConflictError', 'nodes.clip: "clip" is both a recipe input and a node; rename one of them'],
      ['UnknownReferenceError', 'output: "final" is not a node'],
      // The step type's own wording follows the field's path.
      ['StepConfigError', expect.stringMatching(/^nodes\.part\.config\.start: \S/)],
      ['UnknownStepTypeError', `nodes.fx.type: unknown step type "blurr"; the step types are ${catalog.types().sort().join(', ')}`],
      ['StepArityError', 'nodes.out.inputs: step type encode takes exactly 1 input, got 2']
    ])
  })

  it('names cycles the way the inputs read', () => {
    const doc = base()
    doc.nodes = {
      a: { type: 'segment', inputs: ['b'] },
      b: { type: 'segment', inputs: ['c'] },
      c: { type: 'segment', inputs: ['a'] },
      d: { type: 'segment', inputs: ['a'] },
      self: { type: 'segment', inputs: ['self'] },
      out: { type: 'encode', inputs: ['d'] }
    }
    const err = validationError(doc)
    expect(err).toBeInstanceOf(RecipeCycleError)
    const issues = (err.details?.issues ?? []) as Array<{ message: string }>
    expect(issues.map(i => i.message)).toEqual([
      'nodes.self.inputs[0]: node "self" uses itself as an input (cycle self → self)',
      'nodes.a.inputs: cycle a → b → c → a (each node takes the next as an input)'
    ])
  })

  it('says the output must be a node, not an input', () => {
    const err = validationError({ ...base(), output: 'clip' })
    expect(err.message).toBe('output: "clip" is a recipe input, not a node; the output must be a node')
  })

  it('bounds the number of nodes', () => {
    const doc = base()
    for (let i = 0; i < 10; i++) doc.nodes[`n${i}`] = { type: 'segment', inputs: ['clip'] }
    expect(() => validateRecipe(doc, catalog, { limits: { maxNodes: 5 } })).toThrow(RecipeTooLargeError)
    expect(validationError({ ...base(), nodes: {} }).message).toBe('nodes: a recipe needs at least one node')
  })

  it('refuses prototype keys in documents that did not come from YAML', () => {
    const doc = JSON.parse('{"version":1,"name":"x","nodes":{"__proto__":{"type":"generate"}},"output":"x"}')
    const err = validationError(doc)
    expect(err).toBeInstanceOf(RecipeSchemaError)
    expect(err.message).toBe('nodes.__proto__: "__proto__" is a reserved key and may not appear in a recipe')
  })

  it('blames the catalog, not the user, when normalize breaks its contract', () => {
    const broken: StepCatalog = {
      types: () => ['segment', 'encode'],
      get: type => {
        const def = catalog.get(type)
        return def == null ? undefined : { ...def, normalize: () => ({ ok: true, config: { at: Number.NaN } }) }
      }
    }
    expect(validationError(base(), broken)).toBeInstanceOf(CatalogContractError)
  })

  it('suggests a known type for a near miss only', () => {
    const doc = base()
    doc.nodes.out = { type: 'encdoe', inputs: ['part'] }
    expect(validationError(doc).message).toContain('(did you mean "encode"?)')
    doc.nodes.out = { type: 'zzzzzz', inputs: ['part'] }
    const err = validationError(doc)
    expect(err).toBeInstanceOf(UnknownStepTypeError)
    expect(err.message).not.toContain('did you mean')
  })

  it('gives errors the invalid kind and a JSON body naming node and field', () => {
    const doc = base()
    doc.nodes.out = { type: 'encode', inputs: ['part', 'clip'] }
    const err = validationError(doc)
    expect(err).toBeInstanceOf(StepArityError)
    expect(err.kind).toBe('invalid')
    expect(err.toJSON()).toEqual({ error: { name: 'StepArityError', kind: 'invalid', message: 'nodes.out.inputs: step type encode takes exactly 1 input, got 2', details: { node: 'out', field: 'nodes.out.inputs' } } })
    expect(validationError({ ...base(), inputs: { clip: 'x', part: 'y' } })).toBeInstanceOf(NameConflictError)
  })
})
