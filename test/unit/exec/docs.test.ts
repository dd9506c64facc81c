import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { executors } from '../../../src/exec/catalog.ts'
import { STEPS_BEGIN_MARKER, betweenMarkers, renderStepReference, replaceBetweenMarkers } from '../../../src/exec/reference.ts'

const RECIPES = new URL('../../../docs/RECIPES.md', import.meta.url)

describe('docs/RECIPES.md step reference', () => {
  it('is up to date with the step schemas (run: node scripts/gen-recipe-docs.ts)', async () => {
    const document = await readFile(RECIPES, 'utf8')
    const committed = betweenMarkers(document)
    expect(committed, `docs/RECIPES.md lacks the ${STEPS_BEGIN_MARKER} markers`).not.toBeNull()
    expect(committed).toBe(renderStepReference(executors.values()))
  })

  it('documents every step type and every field', () => {
    const reference = renderStepReference(executors.values())
    for (const executor of executors.values()) expect(reference).toContain(`### \`${executor.type}\``)
    for (const field of ['`frequency`', '`boxPadding`', '`afterEnd`', '`volumes`', '`faststart`', '#### `ops`: `rotate`', '`degrees`']) expect(reference).toContain(field)
  })

  it('has a description on every field of every step type', () => {
    const missing: string[] = []
    const visit = (schema: { properties?: Record<string, { description?: string, items?: { oneOf?: unknown[] } }> }, where: string): void => {
      for (const [name, field] of Object.entries(schema.properties ?? {})) {
        if (name === 'op') continue
        if (field.description == null || field.description === '') missing.push(`${where}.${name}`)
        for (const variant of (field.items?.oneOf ?? []) as Array<Parameters<typeof visit>[0] & { description?: string }>) {
          if (variant.description == null) missing.push(`${where}.${name}[]`)
          visit(variant, `${where}.${name}[]`)
        }
      }
    }
    for (const executor of executors.values()) visit(z.toJSONSchema(executor.schema, { io: 'input' }) as Parameters<typeof visit>[0], executor.type)
    expect(missing).toEqual([])
  })

  it('replaces only what is between the markers, and needs both', () => {
    expect(replaceBetweenMarkers('a\n<!-- steps:begin -->\nold\n<!-- steps:end -->\nb', 'new\n')).toBe('a\n<!-- steps:begin -->\nnew\n<!-- steps:end -->\nb')
    expect(() => replaceBetweenMarkers('no markers', 'x')).toThrow(/needs the markers/)
  })
})
