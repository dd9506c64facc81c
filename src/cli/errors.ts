import { ArtdagError } from '../errors.ts'
import type { Output } from './output.ts'

/** A check ran and found problems (`artdag doctor`): its report is still printed, then the command fails. */
export class CheckFailedError extends ArtdagError {
  override readonly name = 'CheckFailedError'
  readonly kind = 'failed'
  readonly output: Output

  constructor (message: string, details: Record<string, unknown>, output: Output) {
    super(message, details)
    this.output = output
  }
}

/** A command file or a command's definition is wrong: a bug in artdag, named by file and option. */
export class CommandRegistryError extends ArtdagError {
  override readonly name = 'CommandRegistryError'
  readonly kind = 'internal'
}

/** A job ended failed or cancelled; `details.job` holds its final state (the failing step and ffmpeg's error tail). */
export class FailedJobError extends ArtdagError {
  override readonly name = 'FailedJobError'
  readonly kind = 'failed'
}

/** A short id that is the start of several ids: the user types more of it. */
export class AmbiguousIdError extends ArtdagError {
  override readonly name = 'AmbiguousIdError'
  readonly kind = 'invalid'
}

/** Ctrl-C while following a daemon's job: the job goes on (or was cancelled, with --cancel-on-interrupt). */
export class FollowInterruptedError extends ArtdagError {
  override readonly name = 'FollowInterruptedError'
  readonly kind = 'aborted'
}

/** The daemon a command was following a job through stopped or died: the job itself goes on in the cluster. */
export class FollowLostError extends ArtdagError {
  override readonly name = 'FollowLostError'
  readonly kind = 'unavailable'
}
