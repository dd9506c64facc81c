import { ArtdagError } from '../../errors.ts'

/**
 * Why a transcode cannot be expanded. Each names the recipe node, and what to
 * do; all are refused before any work starts.
 */

/** The transcode reads a node of the recipe, whose output does not exist until the job runs. */
export class TranscodeInputError extends ArtdagError {
  override readonly name = 'TranscodeInputError'
  readonly kind = 'invalid'
}

/** The source cannot be transcoded: no video stream, or not media at all. */
export class TranscodeSourceError extends ArtdagError {
  override readonly name = 'TranscodeSourceError'
  readonly kind = 'invalid'
}

/** No node of the cluster has the encoder the transcode asks for. */
export class EncoderMissingError extends ArtdagError {
  override readonly name = 'EncoderMissingError'
  readonly kind = 'invalid'
}

/** A node id the expansion needs is taken by another node or input of the recipe. */
export class ExpansionConflictError extends ArtdagError {
  override readonly name = 'ExpansionConflictError'
  readonly kind = 'invalid'
}

/** A recipe still holds a `transcode` node where only expanded ones may be (planning on a job node). */
export class TranscodeNotExpandedError extends ArtdagError {
  override readonly name = 'TranscodeNotExpandedError'
  readonly kind = 'invalid'
}
