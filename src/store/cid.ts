import { CID } from 'multiformats/cid'
import { InvalidCidError } from './errors.ts'

/** Parses a CID string (any multibase), naming it when it is not one. */
export function parseCid (value: string): CID {
  try {
    return CID.parse(value.trim())
  } catch (err: any) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value
    throw new InvalidCidError(`not a CID: ${JSON.stringify(shown)} (${err.message})`, { cid: shown }, { cause: err })
  }
}
