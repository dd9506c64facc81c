import { ArtdagError } from '../errors.ts'

/** A step's executor failed; `details.errorTail` holds ffmpeg's last stderr lines when there are any. */
export class StepFailedError extends ArtdagError {
  override readonly name = 'StepFailedError'
  readonly kind = 'failed'
}

/** A step's input content could not be fetched (not local, no peer had it in time). */
export class StepInputUnavailableError extends ArtdagError {
  override readonly name = 'StepInputUnavailableError'
  readonly kind = 'unavailable'
}

/** A recipe input names a local file that is missing or not a file. */
export class InputFileError extends ArtdagError {
  override readonly name = 'InputFileError'
  readonly kind = 'invalid'
}
