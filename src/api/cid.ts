import { CID } from 'multiformats/cid'

/** Whether `value` parses as a CID (any version and base). */
export function isCid (value: string): boolean {
  try {
    CID.parse(value)
    return true
  } catch {
    return false
  }
}
