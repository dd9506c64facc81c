import { z } from 'zod'
import { ArtdagError } from '../../errors.ts'
import type { LogLevel } from '../../log.ts'
import { defineCommand } from '../command.ts'
import { none } from '../output.ts'

/** Command-line flags of `artdag daemon`: the last layer of the config, mapped by src/config/. */
export interface DaemonFlags {
  /** `--listen`, repeatable: replaces node.listen. */
  listen?: string[]
  /** `--bootstrap`, repeatable: replaces node.bootstrap. */
  bootstrap?: string[]
  /** `--log-level`: log.level. */
  logLevel?: LogLevel
}

/** What src/daemon.ts provides: runs until `signal` aborts, then stops every component in order and resolves. */
export type RunDaemon = (options: { home: string, flags: DaemonFlags, signal: AbortSignal }) => Promise<void>

class DaemonMissingError extends ArtdagError {
  override readonly name = 'DaemonMissingError'
  readonly kind = 'unavailable'
}

// A computed specifier: this file compiles whether or not src/daemon.ts exists yet.
// Once it does, this can become `await import('../../daemon.ts')`, checked by tsc.
const DAEMON_MODULE = '../../daemon.ts'

async function loadRunDaemon (): Promise<RunDaemon> {
  let mod: { runDaemon?: unknown }
  try {
    mod = await import(DAEMON_MODULE) as { runDaemon?: unknown }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('daemon.ts')) {
      throw new DaemonMissingError('this artdag has no daemon yet (src/daemon.ts is missing)', undefined, { cause: err })
    }
    throw err
  }
  if (typeof mod.runDaemon !== 'function') throw new DaemonMissingError('src/daemon.ts does not export runDaemon')
  return mod.runDaemon as RunDaemon
}

const levels = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const

export default defineCommand({
  name: 'daemon',
  summary: 'run the node until SIGINT/SIGTERM (a second signal forces the exit)',
  group: 'Setup',
  order: 2,
  graceful: true,
  options: {
    listen: { flags: '--listen <multiaddr>', description: 'listen on this address (repeatable; replaces node.listen)', repeatable: true },
    bootstrap: { flags: '--bootstrap <multiaddr>', description: 'dial this peer at start (repeatable; replaces node.bootstrap)', repeatable: true },
    logLevel: { flags: '--log-level <level>', description: 'log level (logs are JSON lines on stderr)', choices: levels }
  },
  input: z.object({
    listen: z.array(z.string().min(1)).optional(),
    bootstrap: z.array(z.string().min(1)).optional(),
    logLevel: z.enum(levels).optional()
  }),
  examples: ['artdag daemon', 'artdag daemon --listen /ip4/0.0.0.0/tcp/4101 --bootstrap /ip4/10.0.0.2/tcp/4101'],
  async run (input, ctx) {
    const flags: DaemonFlags = {}
    if (input.listen !== undefined) flags.listen = input.listen
    if (input.bootstrap !== undefined) flags.bootstrap = input.bootstrap
    if (input.logLevel !== undefined) flags.logLevel = input.logLevel
    const runDaemon = await loadRunDaemon()
    await runDaemon({ home: ctx.home, flags, signal: ctx.signal })
    return none()
  }
})
