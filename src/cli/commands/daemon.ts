import { z } from 'zod'
import type { DaemonFlags } from '../../daemon.ts'
import { defineCommand } from '../command.ts'
import { none } from '../output.ts'
import { restartWarm } from '../warm-restart.ts'

const levels = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const
const formats = ['auto', 'text', 'json'] as const

export default defineCommand({
  name: 'daemon',
  summary: 'run the node until SIGINT/SIGTERM (a second signal forces the exit)',
  group: 'Setup',
  order: 2,
  graceful: true,
  options: {
    listen: { flags: '--listen <multiaddr>', description: 'listen on this address (repeatable; replaces node.listen)', repeatable: true },
    bootstrap: { flags: '--bootstrap <multiaddr>', description: 'dial this peer at start (repeatable; replaces node.bootstrap)', repeatable: true },
    logLevel: { flags: '--log-level <level>', description: 'log level', choices: levels },
    logFormat: { flags: '--log-format <format>', description: 'the log on stderr: text, json, or auto (text on a terminal); <home>/logs/daemon.log keeps JSON lines', choices: formats }
  },
  input: z.object({
    listen: z.array(z.string().min(1)).optional(),
    bootstrap: z.array(z.string().min(1)).optional(),
    logLevel: z.enum(levels).optional(),
    logFormat: z.enum(formats).optional()
  }),
  examples: ['artdag daemon', 'artdag daemon --listen /ip4/0.0.0.0/tcp/4101 --bootstrap /ip4/10.0.0.2/tcp/4101'],
  async run (input, ctx) {
    const flags: DaemonFlags = {}
    if (input.listen !== undefined) flags.listen = input.listen
    if (input.bootstrap !== undefined) flags.bootstrap = input.bootstrap
    if (input.logLevel !== undefined) flags.logLevel = input.logLevel
    if (input.logFormat !== undefined) flags.logFormat = input.logFormat
    // Imported here: `--help` must not load libp2p.
    const { loadDaemonModules, runDaemon } = await import('../../daemon.ts')
    await loadDaemonModules()
    // Modules not yet in the compile cache cost the daemon 18 MB for its life: it restarts once, warm.
    if (!ctx.signal.aborted) restartWarm()
    await runDaemon({ home: ctx.home, flags, signal: ctx.signal, stdout: ctx.io.stdout, json: ctx.json, env: ctx.io.env })
    return none()
  }
})
