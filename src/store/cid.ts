import { CID } from 'multiformats/cid'
import { errorMessage } from '../errors.ts'
import { InvalidCidError } from './errors.ts'

/** Parses a CID string (any multibase), naming it when it is not one. */
export function parseCid (value: string): CID {
  try {
    return CID.parse(value.trim())
  } catch (err: unknown) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value
    throw new InvalidCidError(`not a CID: ${JSON.stringify(shown)} (${errorMessage(err)})`, { cid: shown }, { cause: err })
  }
}
