import { ArtdagError } from '../errors.ts'

/** `tailscale status --json` could not run: not installed, failed, or timed out. */
export class TailscaleUnavailableError extends ArtdagError {
  override readonly name = 'TailscaleUnavailableError'
  readonly kind = 'unavailable'
}

/** `tailscale status --json` printed something that is not its status document. */
export class TailscaleStatusInvalidError extends ArtdagError {
  override readonly name = 'TailscaleStatusInvalidError'
  readonly kind = 'invalid'
}
