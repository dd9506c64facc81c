import { ArtdagError } from '../errors.ts'

/** A planned job the coordinator cannot run: unknown dependency, cycle, missing output, bad cache id. */
export class JobSpecInvalidError extends ArtdagError {
  override readonly name = 'JobSpecInvalidError'
  readonly kind = 'invalid'
}

/** A persisted coordinator snapshot that does not parse or belongs to another node. */
export class SnapshotInvalidError extends ArtdagError {
  override readonly name = 'SnapshotInvalidError'
  readonly kind = 'invalid'
}

/** Coordinator options that cannot work (e.g. zero attempts). */
export class CoordinatorOptionsError extends ArtdagError {
  override readonly name = 'CoordinatorOptionsError'
  readonly kind = 'invalid'
}

/** A `job_submitted` message whose document does not hash to the job id it claims. */
export class JobIdMismatchError extends ArtdagError {
  override readonly name = 'JobIdMismatchError'
  readonly kind = 'invalid'
}

/** The node asked to cancel a job it did not submit, and it is not an operator. */
export class CancelNotAllowedError extends ArtdagError {
  override readonly name = 'CancelNotAllowedError'
  readonly kind = 'forbidden'
}

/** A job refused for the limits: too many running jobs from its submitter, or too many jobs kept. */
export class JobLimitError extends ArtdagError {
  override readonly name = 'JobLimitError'
  readonly kind = 'unavailable'
}

/** No job with this id is known to this node. */
export class JobNotFoundError extends ArtdagError {
  override readonly name = 'JobNotFoundError'
  readonly kind = 'not_found'
}

/** This node was asked to run a step but has no usable ffmpeg. */
export class NoExecutorError extends ArtdagError {
  override readonly name = 'NoExecutorError'
  readonly kind = 'unavailable'
}

/** A step was started before one of its inputs had a result (a bug: the coordinator checks this). */
export class StepInputMissingError extends ArtdagError {
  override readonly name = 'StepInputMissingError'
  readonly kind = 'internal'
}

/** A job's plan has no step with the id an execution names. */
export class StepNotInPlanError extends ArtdagError {
  override readonly name = 'StepNotInPlanError'
  readonly kind = 'internal'
}
