/**
 * Writes the step-type reference into docs/RECIPES.md, between
 * `<!-- steps:begin -->` and `<!-- steps:end -->`, from the step schemas.
 *
 *   node scripts/gen-recipe-docs.ts          rewrite the section
 *   node scripts/gen-recipe-docs.ts --check  exit 1 when it is out of date
 */
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { executors } from '../src/exec/catalog.ts'
import { STEPS_BEGIN_MARKER, STEPS_END_MARKER, renderStepReference, replaceBetweenMarkers } from '../src/exec/reference.ts'

const RECIPES_FILE = fileURLToPath(new URL('../docs/RECIPES.md', import.meta.url))

async function main (): Promise<number> {
  const check = process.argv.includes('--check')
  let document: string
  try {
    document = await readFile(RECIPES_FILE, 'utf8')
  } catch {
    console.error(`gen-recipe-docs: ${RECIPES_FILE} does not exist yet; it must contain ${STEPS_BEGIN_MARKER} and ${STEPS_END_MARKER}`)
    return 2
  }
  let updated: string
  try {
    updated = replaceBetweenMarkers(document, renderStepReference(executors.values()))
  } catch (err: unknown) {
    console.error(`gen-recipe-docs: ${RECIPES_FILE}: ${(err as Error).message}`)
    return 2
  }
  if (updated === document) {
    console.log('gen-recipe-docs: docs/RECIPES.md is up to date')
    return 0
  }
  if (check) {
    console.error('gen-recipe-docs: docs/RECIPES.md is out of date with the step schemas; run node scripts/gen-recipe-docs.ts')
    return 1
  }
  await writeFile(RECIPES_FILE, updated)
  console.log('gen-recipe-docs: updated docs/RECIPES.md')
  return 0
}

process.exitCode = await main()
