import { ArtdagError } from '../errors.ts'

// Shared with the API client, which must not load the store to check a CID.
export { InvalidCidError } from '../errors.ts'

/** A block is not in the local store and this store cannot fetch it (offline / embedded). */
export class ContentNotFoundError extends ArtdagError {
  override readonly name = 'ContentNotFoundError'
  readonly kind = 'not_found'
}

/** No peer provided a block within the fetch timeout. */
export class ContentTimeoutError extends ArtdagError {
  override readonly name = 'ContentTimeoutError'
  readonly kind = 'timeout'
}

/** The CID is content of another type: a directory or a document where a file was asked, a file where a dag-json document was. */
export class WrongContentTypeError extends ArtdagError {
  override readonly name = 'WrongContentTypeError'
  readonly kind = 'invalid'
}

/** The content is not what it claims (bad UnixFS node, wrong sizes, a JSON document that is not dag-json). */
export class ContentCorruptError extends ArtdagError {
  override readonly name = 'ContentCorruptError'
  readonly kind = 'failed'
}

/** A local file to add cannot be read, or the destination of `getFile` cannot be written. */
export class LocalFileError extends ArtdagError {
  override readonly name = 'LocalFileError'
  readonly kind = 'invalid'
}

/** `unpin` of a CID that is not pinned. */
export class NotPinnedError extends ArtdagError {
  override readonly name = 'NotPinnedError'
  readonly kind = 'not_found'
}

/** A DHT cache record is malformed, mis-keyed, wrongly signed or from a non-member. */
export class CacheRecordInvalidError extends ArtdagError {
  override readonly name = 'CacheRecordInvalidError'
  readonly kind = 'invalid'
}

/** A pin record in the datastore is not in the shape Helia writes: nothing is pinned over it. */
export class PinRecordInvalidError extends ArtdagError {
  override readonly name = 'PinRecordInvalidError'
  readonly kind = 'failed'
}
