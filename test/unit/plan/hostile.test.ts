import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { RecipeError } from '../../../src/plan/errors.ts'
import { loadRecipe } from '../../../src/plan/recipe.ts'
import { catalog } from './catalog.ts'
import { HOSTILE_DIR } from './helpers.ts'

interface Expectation {
  error: string
  message: string
}

const index = JSON.parse(readFileSync(`${HOSTILE_DIR}expected.json`, 'utf8')) as { files: Record<string, Expectation> }
const files = readdirSync(HOSTILE_DIR).filter(f => f !== 'expected.json').sort()

describe('hostile and malformed recipes', () => {
  it('has an expectation for every file and a file for every expectation', () => {
    expect(Object.keys(index.files).sort()).toEqual(files)
    expect(files.length).toBeGreaterThanOrEqual(15)
  })

  it.each(Object.entries(index.files))('%s is refused with the expected error', (file, expected) => {
    const bytes = readFileSync(`${HOSTILE_DIR}${file}`)
    let caught: unknown
    try {
      loadRecipe(bytes, catalog, { source: file })
    } catch (err: unknown) {
      caught = err
    }
    expect(caught, `${file} was accepted`).toBeInstanceOf(RecipeError)
    const err = caught as RecipeError
    expect(err.name).toBe(expected.error)
    expect(err.message).toContain(expected.message)
    expect(['invalid', 'too_large']).toContain(err.kind)
    // Whatever the input, the error serializes for the socket.
    expect(JSON.parse(JSON.stringify(err.toJSON())).error.name).toBe(expected.error)
  })

  it('leaves Object.prototype alone', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
  })
})
