import { open, stat, watch } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { homePaths } from '../config/index.ts'

/**
 * The daemon's log file (`<home>/logs/daemon.log`, JSON lines, written by the
 * daemon whatever its stderr shows) as `artdag logs` reads it: its last
 * lines, then, with `follow`, each line as it is written, until the signal
 * aborts. A file set aside at the daemon's start (`daemon.log.1`) is not read.
 */

export interface DaemonLogOptions {
  /** Only the last this many lines (all when undefined). */
  lines?: number | undefined
  follow?: boolean | undefined
  signal?: AbortSignal | undefined
}

export function daemonLogPath (home: string): string {
  return homePaths(home).daemonLog
}

/** The bytes of `file` from `offset`, and where they end. */
async function readFrom (file: string, offset: number): Promise<{ text: string, end: number }> {
  const handle = await open(file, 'r').catch(() => undefined)
  if (handle === undefined) return { text: '', end: 0 }
  try {
    const { size } = await handle.stat()
    // Set aside and started again: read the new file from its start.
    const from = size < offset ? 0 : offset
    const buffer = Buffer.alloc(size - from)
    await handle.read(buffer, 0, buffer.length, from)
    return { text: buffer.toString('utf8'), end: size }
  } finally {
    await handle.close()
  }
}

export async function* daemonLogLines (home: string, options: DaemonLogOptions = {}): AsyncGenerator<string> {
  const file = daemonLogPath(home)
  let { text, end } = await readFrom(file, 0)
  let lines = text.split('\n')
  let partial = lines.pop() ?? ''
  yield* (options.lines !== undefined ? lines.slice(-options.lines) : lines).filter(line => line !== '')
  if (options.follow !== true) return
  // Its folder is watched (the file may not exist yet, or be replaced at a start).
  const dir = dirname(file)
  if ((await stat(dir).catch(() => null)) == null) return
  try {
    for await (const change of watch(dir, { signal: options.signal })) {
      if (change.filename !== null && change.filename !== basename(file)) continue
      const next = await readFrom(file, end)
      if (next.end < end) partial = ''
      end = next.end
      lines = (partial + next.text).split('\n')
      partial = lines.pop() ?? ''
      yield* lines.filter(line => line !== '')
    }
  } catch (err: unknown) {
    if (options.signal?.aborted !== true) throw err
  }
}
