import { ArtdagError } from '../../errors.ts'

/**
 * Failures of the verified DAG transfer (`/artdag/fetch/1.0.0`). Every one
 * that a peer can cause extends TransferPeerError: the requester logs it and
 * falls back (another peer, then bitswap); it never reaches the caller unless
 * nothing else works. Messages name the peer and the CID.
 */
export abstract class TransferPeerError extends ArtdagError {
  /** The peer that failed us. */
  get peer (): string | undefined {
    return this.details?.peer as string | undefined
  }
}

/** The peer does not hold every block of the DAG (or range) asked for. */
export class PeerLacksContentError extends TransferPeerError {
  override readonly name = 'PeerLacksContentError'
  readonly kind = 'not_found'
}

/** The peer serves its limit of transfers at once. */
export class PeerBusyError extends TransferPeerError {
  override readonly name = 'PeerBusyError'
  readonly kind = 'unavailable'
}

/** A block whose bytes do not hash to its CID, or a block the DAG did not ask for. */
export class CorruptBlockError extends TransferPeerError {
  override readonly name = 'CorruptBlockError'
  readonly kind = 'failed'
}

/** A frame that breaks the protocol: unknown type, bad payload, oversized, out of order, early end. */
export class TransferProtocolError extends TransferPeerError {
  override readonly name = 'TransferProtocolError'
  readonly kind = 'failed'
}

/** The peer said nothing within the first-byte timeout, or stalled longer than the idle timeout. */
export class TransferTimeoutError extends TransferPeerError {
  override readonly name = 'TransferTimeoutError'
  readonly kind = 'timeout'
}

/** The peer could not be reached, or the stream failed under us (reset, connection closed). */
export class PeerUnreachableError extends TransferPeerError {
  override readonly name = 'PeerUnreachableError'
  readonly kind = 'unavailable'
}

/** The peer reported a failure of its own while serving (its store failed, it is stopping). */
export class PeerFailedError extends TransferPeerError {
  override readonly name = 'PeerFailedError'
  readonly kind = 'unavailable'
}

/** The DAG uses a hash function or codec this node cannot verify or walk. */
export class UnsupportedDagError extends TransferPeerError {
  override readonly name = 'UnsupportedDagError'
  readonly kind = 'invalid'
}

export function isTransferPeerError (err: unknown): err is TransferPeerError {
  return err instanceof TransferPeerError
}
