import { ArtdagError } from '../errors.ts'

/** A dashboard request whose Host is a name, or another port: a DNS-rebinding attempt or a wrong URL. */
export class ForbiddenHostError extends ArtdagError {
  override readonly name = 'ForbiddenHostError'
  readonly kind = 'forbidden'
}

/** A dashboard request from another origin (another site, another port): refused, there is no CORS. */
export class ForbiddenOriginError extends ArtdagError {
  override readonly name = 'ForbiddenOriginError'
  readonly kind = 'forbidden'
}

/** The dashboard's token file is unreadable, or readable by others. */
export class UiTokenError extends ArtdagError {
  override readonly name = 'UiTokenError'
  readonly kind = 'invalid'
}
