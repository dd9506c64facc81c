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

export function createLogger (init: LoggerInit = {}): Logger {
  const destination = pino.destination({ dest: init.destination ?? 2, sync: true })
  return wrap(pino({ level: init.level ?? 'info', base: init.base ?? null, timestamp: pino.stdTimeFunctions.isoTime }, destination))
}

/** A logger that drops everything: for tests and for library use without logs. */
export function silentLogger (): Logger {
  return createLogger({ level: 'silent' })
}
