import { ArtdagError } from '../errors.ts'

/** A registry document (or the IPNS value pointing to it) is not what a registry must be. */
export class RegistryDocumentInvalidError extends ArtdagError {
  override readonly name = 'RegistryDocumentInvalidError'
  readonly kind = 'invalid'
}

/** Our libp2p key could not be put in the keychain, so the registry cannot be published under our peer id. */
export class RegistryKeyError extends ArtdagError {
  override readonly name = 'RegistryKeyError'
  readonly kind = 'internal'
}

/** A peer's IPNS name resolved to no registry document. */
export class RegistryNotFoundError extends ArtdagError {
  override readonly name = 'RegistryNotFoundError'
  readonly kind = 'not_found'
}
