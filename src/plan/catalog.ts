/**
 * What the planner needs to know about step types, and nothing more. The
 * executors (src/exec/) implement it; the planner receives it as an argument,
 * so `plan/` stays pure and never imports `exec/`.
 */
export interface ConfigIssue {
  /** Path inside the step's config, e.g. `text` or `position.x`; empty for the whole config. */
  path: string
  message: string
}

export type NormalizeResult =
  | { ok: true, config: Record<string, unknown> }
  | { ok: false, issues: ConfigIssue[] }

export interface StepDefinition {
  readonly type: string
  /** Folded into every cache_id: bump it whenever the same config and inputs could give different output. */
  readonly version: string
  /** How many inputs a node of this type takes. */
  readonly inputs: { readonly min: number, readonly max: number }
  /**
   * Validates a recipe node's `config` and fills in every default. The result is
   * plain JSON (no undefined, no functions) so it can be canonically encoded.
   */
  normalize: (config: unknown) => NormalizeResult
  /**
   * What a node must advertise to run a step of this type with this
   * (normalized) config: codec names (`h264`) or encoder names (`h264_nvenc`).
   * Absent: the scheduler's default for the type.
   */
  requires?(config: Record<string, unknown>): string[]
  /**
   * Its output is one part of a whole that a later step gathers (a
   * transcode's chunk, its sound): the job's submitter keeps a copy as soon
   * as it is made, so the part outlives its producer. @default false
   */
  readonly gathered?: boolean
  /**
   * It gathers such parts into one output (a transcode's join): it runs on the
   * job's submitter when that node is free, which already keeps a copy of
   * every part and wants the output. @default false
   */
  readonly gathers?: boolean
}

export interface StepCatalog {
  get: (type: string) => StepDefinition | undefined
  types: () => string[]
}
