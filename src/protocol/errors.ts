import { ArtdagError } from '../errors.ts'

/** A message on a topic failed to decode: too large, not JSON, wrong version or shape. */
export class MessageInvalidError extends ArtdagError {
  override readonly name = 'MessageInvalidError'
  readonly kind = 'invalid'
}

/** A message is well formed but its claimed author is not the signed publisher. */
export class MessageForgedError extends ArtdagError {
  override readonly name = 'MessageForgedError'
  readonly kind = 'forbidden'
}
