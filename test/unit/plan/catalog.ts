import { stepCatalog } from '../../../src/exec/catalog.ts'

/** The plan tests run against the real step catalog. */
export const catalog = stepCatalog
