import { ArtdagError } from '../errors.ts'

/** No usable ffmpeg (or ffprobe) anywhere; `details.tried` lists every place looked at, and why each failed. */
/** A generated section's markers are missing from a document (the recipe reference in docs/). */
export class DocumentMarkersError extends ArtdagError {
  override readonly name = 'DocumentMarkersError'
  readonly kind = 'invalid'
}

/** The spawner helper could not start a process, or exited: `code` as a spawn error's (ENOENT, EHELPER…). */
export class SpawnerHelperError extends ArtdagError {
  override readonly name = 'SpawnerHelperError'
  readonly kind = 'unavailable'
  readonly code: string | undefined

  constructor (message: string, code: string | undefined) {
    super(message, { code })
    this.code = code
  }
}

export class FfmpegNotFoundError extends ArtdagError {
  override readonly name = 'FfmpegNotFoundError'
  readonly kind = 'unavailable'
}

/** A binary path given explicitly (config or environment) is missing or not executable; never silently replaced. */
export class BinaryPathInvalidError extends ArtdagError {
  override readonly name = 'BinaryPathInvalidError'
  readonly kind = 'invalid'
}

/** A configured font file is missing or unreadable. */
export class FontNotFoundError extends ArtdagError {
  override readonly name = 'FontNotFoundError'
  readonly kind = 'invalid'
}

/** ffmpeg exited non-zero; `details` carries `exitCode`, `signal` and `errorTail` (the last lines of stderr). */
export class FfmpegFailedError extends ArtdagError {
  override readonly name = 'FfmpegFailedError'
  readonly kind = 'failed'
}

/** ffprobe could not read a file (not media, truncated, unsupported); `details.errorTail` says why. */
export class FfprobeFailedError extends ArtdagError {
  override readonly name = 'FfprobeFailedError'
  readonly kind = 'failed'
}

/** A child process could not be started at all (ENOENT, EACCES). */
export class ProcessSpawnError extends ArtdagError {
  override readonly name = 'ProcessSpawnError'
  readonly kind = 'unavailable'
}

/** A child process ran past its time limit and was killed. */
export class ProcessTimeoutError extends ArtdagError {
  override readonly name = 'ProcessTimeoutError'
  readonly kind = 'timeout'
}

/** The caller aborted; the child process was killed and has exited. */
export class ProcessAbortedError extends ArtdagError {
  override readonly name = 'ProcessAbortedError'
  readonly kind = 'aborted'
}

/** A path handed to ffmpeg (input, output, text or font file) is outside the step's workspace. */
export class PathOutsideWorkspaceError extends ArtdagError {
  override readonly name = 'PathOutsideWorkspaceError'
  readonly kind = 'forbidden'
}

/** No step type of that name. */
export class UnknownStepTypeError extends ArtdagError {
  override readonly name = 'UnknownStepTypeError'
  readonly kind = 'invalid'
}

/** A step's config failed validation; `details.issues` names each field. */
export class StepConfigInvalidError extends ArtdagError {
  override readonly name = 'StepConfigInvalidError'
  readonly kind = 'invalid'
}

/** The inputs do not suit the step: wrong count, or a stream the step needs is missing. */
export class StepInputsInvalidError extends ArtdagError {
  override readonly name = 'StepInputsInvalidError'
  readonly kind = 'invalid'
}

/** The ffmpeg binary lacks an encoder (or a pixel format of it) that the step's config asks for. */
export class EncoderUnavailableError extends ArtdagError {
  override readonly name = 'EncoderUnavailableError'
  readonly kind = 'unavailable'
}

/** ffmpeg exited 0 but the output file is missing or empty. */
export class StepOutputMissingError extends ArtdagError {
  override readonly name = 'StepOutputMissingError'
  readonly kind = 'failed'
}
