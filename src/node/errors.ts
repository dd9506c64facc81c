import { ArtdagError } from '../errors.ts'

/** The home path exists but cannot be an artdag home (a file, unreadable, not writable). */
/** A connected peer is no longer on the allowlist (node.allowPeers): its connection is closed. */
export class PeerNotAllowedError extends ArtdagError {
  override readonly name = 'PeerNotAllowedError'
  readonly kind = 'forbidden'
}

export class HomeInvalidError extends ArtdagError {
  override readonly name = 'HomeInvalidError'
  readonly kind = 'invalid'
}

/** The home has no identity or swarm key yet: `artdag init` has not run. */
export class HomeNotInitializedError extends ArtdagError {
  override readonly name = 'HomeNotInitializedError'
  readonly kind = 'not_found'
}

/** A swarm key file is not in Kubo's `/key/swarm/psk/1.0.0/` base16 format. */
export class SwarmKeyInvalidError extends ArtdagError {
  override readonly name = 'SwarmKeyInvalidError'
  readonly kind = 'invalid'
}

/** `identity.key` cannot be read or is not a libp2p private key. */
export class IdentityKeyInvalidError extends ArtdagError {
  override readonly name = 'IdentityKeyInvalidError'
  readonly kind = 'invalid'
}

/** Another live process holds the home's repo lock. */
export class RepoLockedError extends ArtdagError {
  override readonly name = 'RepoLockedError'
  readonly kind = 'conflict'
}

/** A listen, announce or bootstrap address is not a multiaddr. */
export class InvalidMultiaddrError extends ArtdagError {
  override readonly name = 'InvalidMultiaddrError'
  readonly kind = 'invalid'
}

/** Dialling a peer failed (unreachable, refused, wrong swarm key, not allowed). */
export class DialFailedError extends ArtdagError {
  override readonly name = 'DialFailedError'
  readonly kind = 'unavailable'
}

/** The home already has a different swarm key and replacing it was not asked for. */
export class SwarmKeyExistsError extends ArtdagError {
  override readonly name = 'SwarmKeyExistsError'
  readonly kind = 'conflict'
}

/** The home's datastore was written by a Helia whose layout this artdag does not know (its `/version`). */
export class DatastoreVersionError extends ArtdagError {
  override readonly name = 'DatastoreVersionError'
  readonly kind = 'invalid'
}

/** A listen address's port is taken (another daemon, or another program, listens there). */
export class ListenAddressInUseError extends ArtdagError {
  override readonly name = 'ListenAddressInUseError'
  readonly kind = 'conflict'
}

/** The node could not listen on a listen address (not an address of this machine, a privileged port, …). */
export class ListenFailedError extends ArtdagError {
  override readonly name = 'ListenFailedError'
  readonly kind = 'invalid'
}
