import { LineCounter, parseDocument } from 'yaml'
import type { DocumentOptions, ParseOptions, SchemaOptions, YAMLError } from 'yaml'
import { RecipeSchemaError, RecipeSyntaxError, RecipeTooLargeError } from './errors.ts'
import type { RecipeError } from './errors.ts'
import { formatPath, toPlainJson } from './json.ts'
import type { JsonValue, PlainJsonProblem } from './json.ts'
import { recipeLimits } from './limits.ts'
import type { RecipeLimits } from './limits.ts'

export interface ParseRecipeOptions {
  /** Where the text came from (a file name), used in syntax error messages. */
  source?: string
  limits?: Partial<RecipeLimits>
}

const decoder = new TextDecoder('utf-8', { fatal: true })

// YAML 1.2 core schema only: JSON is a subset of it, so one parser reads both.
// No custom or YAML 1.1 tags (!!binary, !!set, !!timestamp...), no merge keys,
// string keys only, duplicate keys are errors.
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.2',
  schema: 'core',
  customTags: null,
  resolveKnownTags: false,
  merge: false,
  stringKeys: true,
  uniqueKeys: true,
  strict: true,
  prettyErrors: false,
  intAsBigInt: false,
  // 'error' keeps the multiple-documents check on without printing warnings.
  logLevel: 'error'
}

function byteLength (text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/**
 * Parses recipe text (YAML or JSON) into plain JSON, safely. It checks
 * syntax and plain-data rules only; `validateRecipe` checks the recipe itself.
 */
export function parseRecipe (text: string | Uint8Array, options: ParseRecipeOptions = {}): JsonValue {
  const limits = recipeLimits(options.limits)
  const source = options.source ?? 'recipe'
  const size = typeof text === 'string' ? byteLength(text) : text.byteLength
  if (size > limits.maxBytes) {
    throw new RecipeTooLargeError(`${source}: the recipe is ${size} bytes, over the limit of ${limits.maxBytes} bytes`, { size, limit: limits.maxBytes })
  }
  let str: string
  if (typeof text === 'string') {
    str = text
  } else {
    try {
      str = decoder.decode(text)
    } catch (err: unknown) {
      throw new RecipeSyntaxError(`${source}: the recipe is not UTF-8 text`, {}, { cause: err })
    }
  }

  const lineCounter = new LineCounter()
  let doc: ReturnType<typeof parseDocument>
  try {
    doc = parseDocument(str, { ...YAML_OPTIONS, lineCounter })
  } catch (err: unknown) {
    // The parser records most faults; a stack overflow on absurd nesting can still escape.
    if (err instanceof RangeError) throw new RecipeTooLargeError(`${source}: the recipe is nested too deeply`, {}, { cause: err })
    throw err
  }
  const at = (err: YAMLError): string => {
    const pos = lineCounter.linePos(err.pos[0])
    return `${source}:${pos.line}:${pos.col}`
  }
  const problems = [...doc.errors, ...doc.warnings]
  if (problems.some(e => /call stack/i.test(e.message))) {
    throw new RecipeTooLargeError(`${source}: the recipe is nested too deeply`)
  }
  if (problems.length > 0) {
    const first = problems[0] as YAMLError
    const pos = lineCounter.linePos(first.pos[0])
    const messages = problems.slice(0, 10).map(e => `${at(e)}: ${explain(e)}`)
    throw new RecipeSyntaxError(messages.join('; '), { line: pos.line, column: pos.col, code: first.code })
  }

  let js: unknown
  try {
    js = doc.toJS({ mapAsMap: true, maxAliasCount: limits.maxAliasCount })
  } catch (err: unknown) {
    if (err instanceof ReferenceError && /Excessive alias count/.test(err.message)) {
      throw new RecipeTooLargeError(`${source}: YAML aliases expand too much (over the alias budget of ${limits.maxAliasCount}); recipes may not use alias bombs`, { limit: limits.maxAliasCount }, { cause: err })
    }
    if (err instanceof RangeError) {
      throw new RecipeTooLargeError(`${source}: the recipe is nested too deeply`, {}, { cause: err })
    }
    const message = err instanceof Error ? err.message : String(err)
    throw new RecipeSyntaxError(`${source}: ${message}`, {}, { cause: err })
  }

  // An empty file, or one of comments only: say so, and where the format is, rather than "must be a mapping".
  if (js == null) throw new RecipeSchemaError(`${source}: the file is empty (no YAML or JSON document in it): the recipe must be a mapping with version, name, nodes and output (docs/RECIPES.md; examples/teaser.yaml is one)`)
  const plain = toPlainJson(js, limits)
  if (!plain.ok) throw plainJsonError(plain.problem)
  return plain.value
}

/** The error for a value that is not plain, bounded JSON: too large when over a limit, else a schema error. */
export function plainJsonError (problem: PlainJsonProblem): RecipeError {
  const field = formatPath(problem.path)
  const message = field === '' ? problem.message : `${field}: ${problem.message}`
  const details = field === '' ? {} : { field }
  return problem.code === 'too_deep' || problem.code === 'too_many_values'
    ? new RecipeTooLargeError(message, details)
    : new RecipeSchemaError(message, details)
}

/** The parser's message, with the reason a recipe refuses it where that is ours. */
function explain (err: YAMLError): string {
  switch (err.code) {
    case 'TAG_RESOLVE_FAILED':
      return `${err.message}; recipes are plain data and may not use YAML tags other than the core ones (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq)`
    case 'DUPLICATE_KEY':
      return 'duplicate key: every key may appear only once in a mapping'
    case 'MULTIPLE_DOCS':
      return 'the text holds several YAML documents; a recipe is exactly one'
    case 'NON_STRING_KEY':
      return 'keys must be plain strings'
    default:
      return err.message
  }
}
