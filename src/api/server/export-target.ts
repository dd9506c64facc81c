import { lstat, realpath, stat } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, sep } from 'node:path'
import { ExportPathError, InvalidRequestError } from '../errors.ts'
import type { Stats } from 'node:fs'

/**
 * Where `POST /v1/content/:cid/export` may write. Only the socket's owner can
 * ask (the socket is 0600), but the daemon must not write where that user
 * could not: a root daemon would otherwise write into any user's private
 * directory, and a path with `..` or a symlinked directory could lead it
 * anywhere. So the target's directory is resolved to its real path, and the
 * daemon's own user (its uid and groups, by the permission bits alone: root's
 * power to override them is not used) must be able to enter every directory
 * on the way and write in the last one, as the rename of the finished file
 * into place needs. The file is written in that real directory.
 */

/** Who the permission bits are checked for: the daemon's user. */
export interface ExportIdentity {
  uid: number
  gids: ReadonlySet<number>
}

/** The daemon process's own user and groups; undefined where the platform has none (Windows). */
export function processIdentity (): ExportIdentity | undefined {
  if (typeof process.getuid !== 'function' || typeof process.getgid !== 'function') return undefined
  return { uid: process.getuid(), gids: new Set([process.getgid(), ...(process.getgroups?.() ?? [])]) }
}

/** C0 controls and DEL: never part of a path anyone means to send. */
// oxlint-disable-next-line eslint/no-control-regex -- matching control characters is the point
const CONTROL_BYTE = /[\u0000-\u001f\u007f]/

const SEARCH = 0o1
const WRITE_SEARCH = 0o3

/**
 * Checks a requested export path and returns the path to write (in the real
 * directory). Throws InvalidRequestError (400) for a path that is malformed
 * (relative, with a control byte or a `..` segment) and ExportPathError (403)
 * for one the daemon's user may not write.
 */
export async function exportTarget (path: string, identity: ExportIdentity | undefined = processIdentity()): Promise<string> {
  const control = CONTROL_BYTE.exec(path)
  if (control !== null) {
    const code = control[0].charCodeAt(0).toString(16).padStart(2, '0')
    throw new InvalidRequestError(`path ${JSON.stringify(path)} contains the control byte 0x${code} at index ${control.index}: send the path without NUL, newlines or other control characters`, { path })
  }
  if (!isAbsolute(path)) throw new InvalidRequestError(`path ${path} is not absolute: the daemon does not know the caller's directory`, { path })
  if (path.split(sep).includes('..')) {
    throw new InvalidRequestError(`path ${path} contains a '..' segment: send the resolved absolute path (artdag get resolves it before asking the daemon)`, { path })
  }
  const name = basename(path)
  if (name === '' || name === '.' || path.endsWith(sep)) throw new InvalidRequestError(`path ${path} names a directory, not a file: add the file name`, { path })

  const requestedDir = dirname(path)
  let dir: string
  try {
    dir = await realpath(requestedDir)
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    const why = code === 'ENOENT' ? `directory ${requestedDir} does not exist (create it first)` : code === 'ENOTDIR' ? `${requestedDir} is not a directory` : `cannot resolve ${requestedDir} (${code})`
    throw new ExportPathError(`the daemon cannot write ${path}: ${why}`, { path, code }, { cause: err })
  }
  const dirStat = await stat(dir)
  if (!dirStat.isDirectory()) throw new ExportPathError(`the daemon cannot write ${path}: ${requestedDir} is not a directory`, { path, code: 'ENOTDIR' })
  const target = join(dir, name)
  if (identity === undefined) return target

  // Every directory from the root down must let the daemon's user in; the last one must let it write.
  const parts = dir.split(sep).filter(part => part !== '')
  for (let i = 0; i <= parts.length; i++) {
    const ancestor = sep + parts.slice(0, i).join(sep)
    const st = i === parts.length ? dirStat : await stat(ancestor)
    const want = i === parts.length ? WRITE_SEARCH : SEARCH
    if (!allows(st, identity, want)) {
      const what = want === SEARCH ? `may not enter ${ancestor}` : `may not write in ${ancestor}`
      throw new ExportPathError(
        `the daemon cannot write ${path}: its user (uid ${identity.uid}) ${what} (owner uid ${st.uid}, mode ${
          modeText(st)
        }), and it writes only where its user could. Export into a directory that uid ${identity.uid} owns or may write in, or let artdag get write the file as you`,
        { path, code: 'EACCES', directory: ancestor }
      )
    }
  }

  // In a sticky directory (/tmp) only the owner of a file (or of the directory) may replace it.
  const existing = await lstat(target).catch(() => undefined)
  if (existing?.isDirectory() === true) throw new ExportPathError(`the daemon cannot write ${path}: it is a directory`, { path, code: 'EISDIR' })
  if (existing !== undefined && (dirStat.mode & 0o1000) !== 0 && existing.uid !== identity.uid && dirStat.uid !== identity.uid) {
    throw new ExportPathError(
      `the daemon cannot write ${path}: it belongs to uid ${existing.uid} in the sticky directory ${dir}, where only its owner may replace it. Choose another file name`,
      { path, code: 'EACCES' }
    )
  }
  return target
}

/** The permission bits the POSIX rule picks: the owner's if we own it, else the group's if we are in it, else the others'. */
function allows (st: Stats, who: ExportIdentity, bits: number): boolean {
  const shift = st.uid === who.uid ? 6 : who.gids.has(st.gid) ? 3 : 0
  return ((st.mode >> shift) & bits) === bits
}

function modeText (st: Stats): string {
  return `0${(st.mode & 0o7777).toString(8).padStart(3, '0')}`
}
