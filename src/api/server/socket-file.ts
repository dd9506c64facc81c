import { chmod, lstat, mkdir, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import net from 'node:net'
import type { Server } from 'node:http'
import type { Logger } from '../../log.ts'
import { SocketInUseError, SocketPathError } from '../errors.ts'

/**
 * The socket file's life: make room for it (a stale file left by a dead daemon
 * goes, a live daemon is a conflict), bind it private from the first instant,
 * and remove it on close, but only if it is still ours.
 */

/** sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107

export const SOCKET_MODE = 0o600

export function checkSocketPathLength (path: string): void {
  const bytes = Buffer.byteLength(path)
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new SocketPathError(`socket path ${path} is ${bytes} bytes, over the ${MAX_SOCKET_PATH_BYTES} a Unix socket allows; use a shorter home or set api.socket`, { socket: path })
  }
}

/** A socket configured outside the home may sit in a folder not made yet: make it private (0700). */
export async function ensureSocketDir (path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
}

type Probe = 'live' | 'refused' | 'gone'

/** Connects once: a listener answers (`live`), nobody does (`refused`), or the file vanished (`gone`). */
function probe (path: string, timeoutMs: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path })
    const done = (result: Probe | Error): void => {
      clearTimeout(timer)
      socket.destroy()
      if (result instanceof Error) reject(result)
      else resolve(result)
    }
    // A listener that accepts but never answers still holds the socket: treat it as live.
    const timer = setTimeout(() => done('live'), timeoutMs)
    socket.once('connect', () => done('live'))
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done('refused')
      else if (err.code === 'ENOENT') done('gone')
      else done(new SocketPathError(`cannot check socket ${path}: ${err.message}`, { socket: path }, { cause: err }))
    })
  })
}

/** Leaves `path` free to bind, or throws when something live or foreign holds it. */
export async function clearStaleSocket (path: string, logger: Logger, probeTimeoutMs = 1000): Promise<void> {
  let stats
  try {
    stats = await lstat(path)
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  if (!stats.isSocket()) {
    throw new SocketPathError(`${path} exists and is not a socket; move it away or set api.socket`, { socket: path })
  }
  const state = await probe(path, probeTimeoutMs)
  if (state === 'live') {
    throw new SocketInUseError(`another artdag daemon is listening on ${path}`, { socket: path })
  }
  if (state === 'refused') {
    logger.info({ socket: path }, 'removing stale socket left by a daemon that is gone')
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err
    })
  }
}

/**
 * Binds `server` to `path` with the socket file created 0600: the umask is
 * tightened around the bind (which Node does synchronously inside `listen`), so
 * no other user can connect in the moment before the chmod. Resolves once
 * listening; returns the socket file's inode so `removeSocketFile` can tell it
 * from a successor's.
 */
export async function listenPrivately (server: Server, path: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EADDRINUSE') reject(new SocketInUseError(`${path} was taken while this daemon was starting`, { socket: path }, { cause: err }))
      else reject(new SocketPathError(`cannot listen on ${path}: ${err.code ?? err.message}`, { socket: path }, { cause: err }))
    }
    server.once('error', onError)
    let previous: number | undefined
    try {
      previous = process.umask(0o077)
    } catch {
      // Worker threads cannot change the umask; the chmod below still applies.
    }
    try {
      server.listen({ path }, () => {
        server.off('error', onError)
        resolve()
      })
    } finally {
      if (previous !== undefined) process.umask(previous)
    }
  })
  await chmod(path, SOCKET_MODE)
  return (await lstat(path)).ino
}

/** Node unlinks the socket on close; this covers the rest, sparing a file a successor bound. */
export async function removeSocketFile (path: string, inode: number | undefined): Promise<void> {
  try {
    const stats = await lstat(path)
    if (inode !== undefined && stats.ino !== inode) return
    await unlink(path)
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}
