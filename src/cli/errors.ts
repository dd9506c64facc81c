import { ArtdagError } from '../errors.ts'
import type { Output } from './output.ts'

/** A check ran and found problems (`artdag doctor`): its report is still printed, then the command fails. */
export class CheckFailedError extends ArtdagError {
  override readonly name = 'CheckFailedError'
  readonly kind = 'failed'
  readonly output: Output

  constructor (message: string, details: Record<string, unknown>, output: Output) {
    super(message, details)
    this.output = output
  }
}
