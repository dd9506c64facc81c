import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { chmod, readFile, stat, writeFile } from 'node:fs/promises'
import { errorCode, errorMessage } from '../errors.ts'
import { UiTokenError } from './errors.ts'

/**
 * The dashboard's token: 32 random bytes, base64url, in `<home>/ui.token`
 * (mode 0600), made on the first start and kept across restarts so a URL
 * printed by `artdag ui` goes on working. Delete the file and restart to
 * change it.
 */

const TOKEN_BYTES = 32
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

export async function loadOrCreateToken (path: string): Promise<string> {
  try {
    await writeFile(path, `${randomBytes(TOKEN_BYTES).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err: unknown) {
    if (errorCode(err) !== 'EEXIST') throw new UiTokenError(`cannot write the dashboard token ${path}: ${errorMessage(err)}`, { path }, { cause: err })
  }
  const info = await stat(path)
  // Someone loosened it: the token is a password, only the daemon's user may read it.
  if ((info.mode & 0o077) !== 0) await chmod(path, 0o600)
  const token = (await readFile(path, 'utf8')).trim()
  if (!TOKEN_PATTERN.test(token)) throw new UiTokenError(`${path} does not hold a dashboard token; delete it and restart the daemon to make a new one`, { path })
  return token
}

/** Constant-time comparison of what a request carries with the token. */
export function sameSecret (given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.byteLength === b.byteLength && timingSafeEqual(a, b)
}

/**
 * A capability to read one CID, for what a browser fetches without headers
 * (`<video src>`, a download link): an HMAC of the CID under the token.
 */
export function contentTicket (token: string, cid: string): string {
  return createHmac('sha256', token).update(`artdag-ui content ${cid}`).digest('base64url')
}
