import { ArtdagError } from '../errors.ts'
import type { ErrorKind } from '../errors.ts'
import { present } from '../defined.ts'

/**
 * Recipe and planning errors. Each failure is its own class with a stable
 * `name`; every message starts with the path of what is wrong
 * (`nodes.part.config.start: must be ≥ 0`) and `details` carries the node id
 * and that path so the CLI and the socket can point at it.
 *
 * Validation collects every problem it can find: the error thrown is the class
 * of the first problem, its message lists all of them, and `details.issues`
 * holds each one when there is more than one.
 */

export type RecipeErrorName =
  | 'RecipeSyntaxError'
  | 'RecipeTooLargeError'
  | 'RecipeVersionError'
  | 'RecipeSchemaError'
  | 'NameConflictError'
  | 'UnknownReferenceError'
  | 'RecipeCycleError'
  | 'UnknownStepTypeError'
  | 'StepArityError'
  | 'StepConfigError'
  | 'MissingInputError'
  | 'UnknownInputError'
  | 'InvalidInputCidError'
  | 'InputOverrideError'

/** One problem found in a recipe. `field` is the full path from the recipe's root. */
export interface RecipeIssue {
  name: RecipeErrorName
  message: string
  node?: string
  field?: string
}

export interface RecipeErrorDetails {
  node?: string
  field?: string
  /** Every problem, when there is more than one. */
  issues?: RecipeIssue[]
  [key: string]: unknown
}

export abstract class RecipeError extends ArtdagError {
  readonly kind: ErrorKind = 'invalid'
  /** The recipe node at fault, if one is. */
  readonly node: string | undefined
  /** The path of the field at fault from the recipe's root, e.g. `nodes.part.config.start`. */
  readonly field: string | undefined

  constructor (message: string, details: RecipeErrorDetails = {}, options?: ErrorOptions) {
    super(message, details, options)
    this.node = details.node
    this.field = details.field
  }
}

/** Not YAML or JSON, or YAML features a recipe may not use (tags, several documents, duplicate keys). */
export class RecipeSyntaxError extends RecipeError {
  override readonly name = 'RecipeSyntaxError'
}

/** Over a size limit: bytes, nodes, nesting depth, alias expansion. */
export class RecipeTooLargeError extends RecipeError {
  override readonly name = 'RecipeTooLargeError'
  override readonly kind: ErrorKind = 'too_large'
}

/** `version` is missing or not a version this artdag reads. */
export class RecipeVersionError extends RecipeError {
  override readonly name = 'RecipeVersionError'
}

/** The document does not have the recipe's shape: a wrong type, an unknown or missing field, a bad name. */
export class RecipeSchemaError extends RecipeError {
  override readonly name = 'RecipeSchemaError'
}

/** A name is both a recipe input and a node. */
export class NameConflictError extends RecipeError {
  override readonly name = 'NameConflictError'
}

/** A node's input or the recipe's output names nothing that exists. */
export class UnknownReferenceError extends RecipeError {
  override readonly name = 'UnknownReferenceError'
}

/** A node depends on itself, directly or through others. */
export class RecipeCycleError extends RecipeError {
  override readonly name = 'RecipeCycleError'
}

/** A node's `type` is not in the step catalog. */
export class UnknownStepTypeError extends RecipeError {
  override readonly name = 'UnknownStepTypeError'
}

/** A node has fewer or more inputs than its step type takes. */
export class StepArityError extends RecipeError {
  override readonly name = 'StepArityError'
}

/** A node's `config` is rejected by its step type. */
export class StepConfigError extends RecipeError {
  override readonly name = 'StepConfigError'
}

/** Planning: a recipe input has no CID. */
export class MissingInputError extends RecipeError {
  override readonly name = 'MissingInputError'
}

/** Planning or `--input`: a name that is not an input of the recipe. */
export class UnknownInputError extends RecipeError {
  override readonly name = 'UnknownInputError'
}

/** Planning: the CID given for an input does not parse. */
export class InvalidInputCidError extends RecipeError {
  override readonly name = 'InvalidInputCidError'
}

/** A malformed `--input name=PATH|CID` flag. */
export class InputOverrideError extends RecipeError {
  override readonly name = 'InputOverrideError'
}

/** The step catalog broke its contract (normalize returned something that is not plain JSON): a bug, not the user's fault. */
export class CatalogContractError extends ArtdagError {
  override readonly name = 'CatalogContractError'
  readonly kind = 'internal'
}

type RecipeErrorClass = new(message: string, details?: RecipeErrorDetails) => RecipeError

const CLASSES: Readonly<Record<RecipeErrorName, RecipeErrorClass>> = {
  RecipeSyntaxError,
  RecipeTooLargeError,
  RecipeVersionError,
  RecipeSchemaError,
  NameConflictError,
  UnknownReferenceError,
  RecipeCycleError,
  UnknownStepTypeError,
  StepArityError,
  StepConfigError,
  MissingInputError,
  UnknownInputError,
  InvalidInputCidError,
  InputOverrideError
}

/** How many problems a combined message lists before it says "and N more". */
export const MAX_LISTED_ISSUES = 20

/** One error for a list of issues: the class of the first, a message naming all of them. */
export function recipeErrorFrom (issues: readonly RecipeIssue[]): RecipeError {
  const first = issues[0]
  if (first == null) throw new TypeError('recipeErrorFrom needs at least one issue')
  const Class = CLASSES[first.name]
  const location = {
    ...present({ node: first.node }),
    ...present({ field: first.field })
  }
  if (issues.length === 1) return new Class(first.message, location)
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map(i => i.message)
  if (issues.length > MAX_LISTED_ISSUES) listed.push(`and ${issues.length - MAX_LISTED_ISSUES} more`)
  return new Class(`${issues.length} problems in the recipe: ${listed.join('; ')}`, { ...location, issues: [...issues] })
}

/** Collects issues during a pass and throws them as one error. */
export class IssueList {
  readonly issues: RecipeIssue[] = []

  add (name: RecipeErrorName, field: string, message: string, node?: string): void {
    this.issues.push({
      name,
      message: field === '' ? message : `${field}: ${message}`,
      ...present({ node }),
      ...(field !== '' ? { field } : {})
    })
  }

  get size (): number {
    return this.issues.length
  }

  throwIfAny (): void {
    if (this.issues.length > 0) throw recipeErrorFrom(this.issues)
  }
}
