import { ArtdagError } from '../errors.ts'

/** Lease timings that cannot work together (e.g. a renew interval longer than the ttl). */
export class LeaseOptionsError extends ArtdagError {
  override readonly name = 'LeaseOptionsError'
  readonly kind = 'invalid'
}
