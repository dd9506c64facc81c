import { pino } from 'pino'
import type { Logger as PinoLogger, Level } from 'pino'

/**
 * Structured, namespaced logging. Components receive a Logger and derive their
 * own with `forComponent('artdag:lease')`; nothing logs through a module-level
 * singleton. Logs go to stderr as JSON lines (stdout belongs to command output).
 */
export interface Logger {
  trace: (obj: Record<string, unknown> | string, msg?: string) => void
  debug: (obj: Record<string, unknown> | string, msg?: string) => void
  info: (obj: Record<string, unknown> | string, msg?: string) => void
  warn: (obj: Record<string, unknown> | string, msg?: string) => void
  error: (obj: Record<string, unknown> | string, msg?: string) => void
  forComponent: (name: string) => Logger
}

export type LogLevel = Level | 'silent'

/** The `log:` config section's defaults (config/default.yaml is checked against them). */
export const LOG_DEFAULTS = { level: 'info' } as const satisfies { level: LogLevel }

export interface LoggerInit {
  level?: LogLevel
  /** Where JSON lines go; stderr (fd 2) unless given. */
  destination?: number | string
  /** Fields on every line, e.g. the peer id. */
  base?: Record<string, unknown>
}

function wrap (p: PinoLogger): Logger {
  const call = (level: Level) => (obj: Record<string, unknown> | string, msg?: string): void => {
    if (typeof obj === 'string') p[level](obj)
    else p[level](obj, msg)
  }
  return {
    trace: call('trace'),
    debug: call('debug'),
    info: call('info'),
    warn: call('warn'),
    error: call('error'),
    forComponent: (name: string) => wrap(p.child({ component: name }))
  }
}

/** How an error looks in a log line: `{ err }` carries the error object, never only its message. */
export interface SerializedError {
  name: string
  message: string
  kind?: string
  code?: string
  cause?: SerializedError
  stack?: string
}

const MAX_CAUSES = 5

/** An error's name, message, kind/code and chain of causes; its stack only when `stack` (debug and trace levels). */
export function serializeError (err: unknown, stack: boolean, depth = 0): SerializedError {
  if (!(err instanceof Error)) return { name: typeof err, message: String(err) }
  const out: SerializedError = { name: err.name, message: err.message }
  const extra = err as Error & { kind?: unknown, code?: unknown }
  if (typeof extra.kind === 'string') out.kind = extra.kind
  if (typeof extra.code === 'string') out.code = extra.code
  if (err.cause !== undefined && depth < MAX_CAUSES) out.cause = serializeError(err.cause, stack, depth + 1)
  if (stack && err.stack !== undefined) out.stack = err.stack
  return out
}

export function createLogger (init: LoggerInit = {}): Logger {
  const destination = pino.destination({ dest: init.destination ?? 2, sync: true })
  const level = init.level ?? LOG_DEFAULTS.level
  const stack = level === 'debug' || level === 'trace'
  return wrap(pino({
    level,
    base: init.base ?? null,
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: (err: unknown) => serializeError(err, stack) }
  }, destination))
}

/** A logger that drops everything: for tests and for library use without logs. */
export function silentLogger (): Logger {
  return createLogger({ level: 'silent' })
}
