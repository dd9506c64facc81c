import { randomBytes } from 'node:crypto'
import { errorCode } from '../errors.ts'
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { RepoLockedError } from './errors.ts'

/**
 * One process owns a home at a time: the daemon, or `artdag render` with no
 * daemon. The lock is a small JSON file naming its holder. It is created
 * atomically with its content (written to a temporary name, then hard-linked
 * into place, which fails if the lock exists), so no one ever reads a
 * half-written lock. A lock whose pid is dead on this host is stale and is
 * taken over; a live holder is a conflict that names its pid.
 */
export interface RepoLockInfo {
  pid: number
  /** What holds it: `daemon`, `render`, … */
  purpose: string
  hostname: string
  /** Milliseconds since the epoch. */
  since: number
  /** Tells this holder's lock from a later one at release. */
  token: string
}

export interface RepoLock {
  readonly path: string
  readonly info: RepoLockInfo
  /** Removes the lock if it is still ours; safe to call twice. */
  release: () => Promise<void>
}

export interface AcquireRepoLockOptions {
  purpose: string
  /** Whether a pid is running; injectable for tests. */
  isAlive?: (pid: number) => boolean
}

const MAX_ATTEMPTS = 5

export function isProcessAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err: unknown) {
    // EPERM: it exists but belongs to someone else.
    return errorCode(err) === 'EPERM'
  }
}

export async function acquireRepoLock (path: string, options: AcquireRepoLockOptions): Promise<RepoLock> {
  const isAlive = options.isAlive ?? isProcessAlive
  const info: RepoLockInfo = {
    pid: process.pid,
    purpose: options.purpose,
    hostname: hostname(),
    since: Date.now(),
    token: randomBytes(8).toString('hex')
  }
  const content = JSON.stringify(info) + '\n'
  const tmp = `${path}.${info.token}.tmp`
  await writeFile(tmp, content, { mode: 0o600 })
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        await link(tmp, path)
        return {
          path,
          info,
          release: async () => {
            await releaseLock(path, info.token)
          }
        }
      } catch (err: unknown) {
        if (errorCode(err) !== 'EEXIST') throw err
      }
      const current = await readLock(path)
      if (current === undefined) continue // released meanwhile: try again
      if (current.info != null && !isStale(current.info, isAlive)) {
        throw lockedError(path, current.info)
      }
      await breakStaleLock(path, current.raw, info.token)
    }
    throw new RepoLockedError(`could not take the repo lock ${path}: it kept changing (another process is starting?)`, { file: path })
  } finally {
    // The temporary file is gone once linked into place; either way there is nothing left to clean.
    await unlink(tmp).catch(() => {})
  }
}

function isStale (holder: RepoLockInfo, isAlive: (pid: number) => boolean): boolean {
  // A lock from another host (a home on a shared disk) cannot be checked: treat it as live.
  if (holder.hostname !== hostname()) return false
  return !isAlive(holder.pid)
}

function lockedError (path: string, holder: RepoLockInfo): RepoLockedError {
  const who = holder.pid === process.pid ? 'this process' : `pid ${holder.pid}`
  const host = holder.hostname !== hostname() ? ` on ${holder.hostname}` : ''
  const since = new Date(holder.since).toISOString()
  return new RepoLockedError(
    `the home is in use by ${who}${host} (${holder.purpose}, since ${since}); lock file ${path}`,
    { file: path, pid: holder.pid, purpose: holder.purpose, hostname: holder.hostname }
  )
}

interface ReadLock {
  raw: string
  /** undefined when the content is not a lock we understand: treated as stale. */
  info?: RepoLockInfo
}

async function readLock (path: string): Promise<ReadLock | undefined> {
  let raw: string
  try {
    raw = await readFile(path, 'utf8')
  } catch (err: unknown) {
    if (errorCode(err) === 'ENOENT') return undefined
    throw err
  }
  try {
    const info = JSON.parse(raw)
    if (typeof info?.pid === 'number' && typeof info.hostname === 'string' && typeof info.token === 'string') {
      return { raw, info: { purpose: 'unknown', since: 0, ...info } }
    }
  } catch {
    // not our JSON: treated as a lock of unknown shape below
  }
  return { raw }
}

/**
 * Moves the stale lock aside (atomic), then checks that what was moved is the
 * lock judged stale: if another process replaced it in between, put theirs back.
 */
async function breakStaleLock (path: string, staleRaw: string, token: string): Promise<void> {
  const aside = `${path}.${token}.stale`
  try {
    await rename(path, aside)
  } catch (err: unknown) {
    if (errorCode(err) === 'ENOENT') return
    throw err
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined)
  if (moved !== undefined && moved !== staleRaw) {
    // Putting a newer lock back is best effort: its owner rewrites it on its next check.
    await link(aside, path).catch(() => {})
  }
  // The set-aside copy may already be gone.
  await unlink(aside).catch(() => {})
}

async function releaseLock (path: string, token: string): Promise<void> {
  const current = await readLock(path)
  if (current?.info?.token !== token) return
  await unlink(path).catch((err: unknown) => {
    if (errorCode(err) !== 'ENOENT') throw err
  })
}
