import { describe, expect, it } from 'vitest'
import { RecipeSchemaError, RecipeSyntaxError, RecipeTooLargeError } from '../../../src/plan/errors.ts'
import type { RecipeError } from '../../../src/plan/errors.ts'
import { parseRecipe } from '../../../src/plan/parse.ts'

function parseError (text: string | Uint8Array, options = {}): RecipeError {
  try {
    parseRecipe(text, options)
  } catch (err: unknown) {
    return err as RecipeError
  }
  throw new Error('expected parseRecipe to throw')
}

describe('parseRecipe reads YAML and JSON as plain data', () => {
  it('says a file that is empty, or only comments, is empty, naming it', () => {
    for (const text of ['', '\n\n', '# a recipe, one day\n', '---\n']) {
      const err = parseError(text, { source: 'mine.yaml' })
      expect(err).toBeInstanceOf(RecipeSchemaError)
      expect(err.message).toMatch(/^mine\.yaml: the file is empty \(no YAML or JSON document in it\): the recipe must be a mapping with version, name, nodes and output/)
    }
  })

  it('reads the same data from YAML and from JSON', () => {
    const yaml = parseRecipe('version: 1\nname: a\nnodes:\n  x: { type: generate, config: { duration: 1.5, label: "hi" } }\noutput: x\n')
    const json = parseRecipe('{"version":1,"name":"a","nodes":{"x":{"type":"generate","config":{"duration":1.5,"label":"hi"}}},"output":"x"}')
    expect(json).toEqual(yaml)
    expect(Object.getPrototypeOf(yaml)).toBe(Object.prototype)
  })

  it('reads bytes as UTF-8 and refuses bytes that are not', () => {
    expect(parseRecipe(new TextEncoder().encode('name: é'))).toEqual({ name: 'é' })
    expect(parseError(Uint8Array.from([0x6e, 0x3a, 0x20, 0xff]))).toBeInstanceOf(RecipeSyntaxError)
  })

  it('allows a few YAML anchors and aliases, expanded into copies', () => {
    const doc = parseRecipe('base: &b { crf: 28 }\na: *b\nb: *b\n') as Record<string, Record<string, number>>
    expect(doc.a).toEqual({ crf: 28 })
    expect(doc.a).not.toBe(doc.b)
  })

  it('names the source, line and column of a syntax error', () => {
    const err = parseError('version: 1\nnodes: [a, b\n', { source: 'teaser.yaml' })
    expect(err).toBeInstanceOf(RecipeSyntaxError)
    expect(err.message).toMatch(/^teaser\.yaml:\d+:\d+: /)
    expect(err.details).toMatchObject({ line: expect.any(Number), column: expect.any(Number) })
  })
})

describe('parseRecipe refuses what a recipe may not contain', () => {
  it('refuses duplicate keys, in YAML and in JSON', () => {
    expect(parseError('a: 1\na: 2', { source: 'r.yaml' }).message).toBe('r.yaml:2:1: duplicate key: every key may appear only once in a mapping')
    expect(parseError('{"a": 1, "a": 2}')).toBeInstanceOf(RecipeSyntaxError)
  })

  it.each([
    ['a: !!js/function "x"', 'js/function'],
    ['a: !!binary aGVsbG8=', 'binary'],
    ['a: !!timestamp 2001-12-14', 'timestamp'],
    ['a: !!set {x, y}', 'set'],
    ['a: !custom bar', '!custom']
  ])('refuses the tag in %s', (text, tag) => {
    const err = parseError(text)
    expect(err).toBeInstanceOf(RecipeSyntaxError)
    expect(err.message).toContain(tag)
    expect(err.message).toContain('may not use YAML tags')
  })

  it('keeps the core tags', () => {
    expect(parseRecipe('a: !!str 3\nb: !!float 1.5\nc: !!int 7')).toEqual({ a: '3', b: 1.5, c: 7 })
  })

  it('reads YAML 1.1 documents with the 1.2 core schema (no dates, no yes/no booleans, no merge keys)', () => {
    expect(parseRecipe('%YAML 1.1\n---\na: 2001-12-14\nb: yes\n')).toEqual({ a: '2001-12-14', b: 'yes' })
  })

  it('refuses several documents in one text', () => {
    expect(parseError('a: 1\n---\nb: 2\n').message).toContain('several YAML documents')
  })

  it('refuses non-string keys', () => {
    expect(parseError('? [a, b]\n: c\n')).toBeInstanceOf(RecipeSyntaxError)
  })

  it('refuses numbers JSON cannot carry exactly', () => {
    expect(parseError('a: { b: .inf }').message).toBe('a.b: Infinity is not allowed: numbers must be finite')
    expect(parseError('a: .nan')).toBeInstanceOf(RecipeSchemaError)
    expect(parseError('a: 12345678901234567890').message).toContain('too large an integer')
  })

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s anywhere, YAML or JSON', key => {
    const yaml = parseError(`nodes:\n  a:\n    config:\n      ${key}: { polluted: true }\n`)
    expect(yaml).toBeInstanceOf(RecipeSchemaError)
    expect(yaml.message).toBe(`nodes.a.config.${key}: "${key}" is a reserved key and may not appear in a recipe`)
    expect(parseError(`{"${key}": {"polluted": true}}`).field).toBe(key)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('parseRecipe bounds the work a recipe can cause', () => {
  it('refuses text over the byte limit before parsing it', () => {
    const err = parseError(`# ${'x'.repeat(300 * 1024)}\nversion: 1\n`, { source: 'big.yaml' })
    expect(err).toBeInstanceOf(RecipeTooLargeError)
    expect(err.kind).toBe('too_large')
    expect(err.message).toBe(`big.yaml: the recipe is ${300 * 1024 + 14} bytes, over the limit of 262144 bytes`)
    expect(parseError('a: 1234', { limits: { maxBytes: 4 } })).toBeInstanceOf(RecipeTooLargeError)
  })

  it('refuses a billion-laughs alias bomb', () => {
    let text = 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n'
    for (let i = 1; i < 10; i++) text += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`
    const err = parseError(text)
    expect(err).toBeInstanceOf(RecipeTooLargeError)
    expect(err.message).toContain('aliases expand too much')
  })

  it('counts values after alias expansion', () => {
    const list = `[${Array(50).fill('1').join(', ')}]`
    const text = `a: &a ${list}\nb: [*a, *a, *a]\n`
    expect(parseError(text, { limits: { maxValues: 120 } }).message).toContain('more than 120 values')
  })

  it('refuses deep nesting', () => {
    expect(parseError(`a: ${'['.repeat(40)}${']'.repeat(40)}`).message).toContain('nested more than 32 levels deep')
    expect(parseError('['.repeat(100_000))).toBeInstanceOf(RecipeTooLargeError)
  })
})
